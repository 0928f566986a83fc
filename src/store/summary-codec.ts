/** The stored form of summary chunks (records.ts `SummaryChunk`): outcomes as letters, counts and failing derived. */
import type { z } from 'zod';
import type { IndexRow, SummaryChunk } from './records';

type Outcome = IndexRow['outcomes'][string];
const LETTER: Record<Outcome, string> = { pass: 'p', fail: 'f', excepted: 'x', 'not-evaluable': 'n', 'not-applicable': 'a' };
const OUTCOME: Record<string, Outcome> = Object.fromEntries(
  Object.entries(LETTER).map(([outcome, letter]) => [letter, outcome as Outcome]),
);

export function encodeChunk(rows: readonly IndexRow[]): z.input<typeof SummaryChunk> {
  const controls = [...new Set(rows.flatMap((row) => Object.keys(row.outcomes)))].sort();
  return {
    controls,
    rows: rows.map(({ counts: _counts, failing: _failing, outcomes, ...row }) => ({
      ...row,
      o: controls.map((control) => (outcomes[control] ? LETTER[outcomes[control]] : '-')).join(''),
    })),
  };
}

export function decodeChunk(chunk: z.output<typeof SummaryChunk>): IndexRow[] {
  return chunk.rows.map(({ o, ...row }) => {
    const outcomes: IndexRow['outcomes'] = {};
    chunk.controls.forEach((control, i) => {
      const outcome = OUTCOME[o.charAt(i)];
      if (outcome) outcomes[control] = outcome;
    });
    const counts = { pass: 0, fail: 0, 'not-evaluable': 0, 'not-applicable': 0 };
    for (const outcome of Object.values(outcomes)) counts[outcome === 'excepted' ? 'fail' : outcome]++;
    // In the controls' order (sorted), as services/summary.ts `indexRow` lists them.
    const failing = Object.entries(outcomes).flatMap(([control, outcome]) => (outcome === 'fail' ? [control] : []));
    return { ...row, counts, failing, outcomes };
  });
}
