/** bench/results.json and bench/RESULTS.md: the figures measured, each with the commit it was measured on. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { Figure } from './sandbox';

/** What a run measured on and where it writes: `--only` keeps the other figures of the previous run. */
export interface RunInfo {
  commit: string;
  only: string[] | null;
  quick: boolean;
  outDir: string;
}

/** A results file of an earlier run, read back by `--only`. */
const PreviousResults = z.object({
  commit: z.string().optional(),
  generatedAt: z.string().optional(),
  figures: z
    .array(
      z.object({
        figure: z.string(),
        value: z.string(),
        target: z.string(),
        data: z.record(z.string(), z.unknown()),
        commit: z.string().optional(),
        measuredAt: z.string().optional(),
      }),
    )
    .default([]),
});

/**
 * Writes results.json and RESULTS.md with the figures measured so far (after every step, so a run cut short
 * keeps what it measured). `--only` keeps the other figures of the previous run, each with its own commit.
 */
export function writeResults(figures: Figure[], run: RunInfo): string {
  const { commit, only, quick, outDir } = run;
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}`;
  const generatedAt = new Date().toISOString();
  const stamped = figures.map((figure) => ({ ...figure, commit, measuredAt: generatedAt }));
  const file = path.join(outDir, quick ? 'results-quick.json' : 'results.json');
  // `--only` re-measures some figures and keeps the others from the previous run, each with its own commit.
  let kept: Array<Figure & { commit?: string; measuredAt?: string }> = [];
  if (only && fs.existsSync(file)) {
    const previous = PreviousResults.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
    kept = previous.figures.map((figure) => ({
      ...figure,
      commit: figure.commit ?? previous.commit,
      measuredAt: figure.measuredAt ?? previous.generatedAt,
    }));
  }
  const merged =
    kept.length === 0
      ? stamped
      : kept.map((figure) => stamped.find((fresh) => fresh.figure.replace(/\(.*$/, '') === figure.figure.replace(/\(.*$/, '')) ?? figure);
  for (const fresh of stamped) if (!merged.includes(fresh)) merged.push(fresh);
  const commits = [...new Set(merged.map((figure) => figure.commit))];
  const results = { generatedAt, commit: commits.join(', '), machine, quick, figures: merged };
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  const table = [
    `Measured ${generatedAt.slice(0, 10)} on ${machine}, commit ${commits.length === 1 ? commit : `${commits.join(' and ')} (the "measured at" column says which)`}${quick ? ' (quick run: small sizes)' : ''}.`,
    '',
    commits.length === 1 ? '| figure | measured | target |' : '| figure | measured | target | measured at |',
    commits.length === 1 ? '| --- | --- | --- |' : '| --- | --- | --- | --- |',
    ...merged.map((f) => `| ${f.figure} | ${f.value} | ${f.target} |${commits.length === 1 ? '' : ` ${f.commit} |`}`),
    '',
  ].join('\n');
  fs.writeFileSync(path.join(outDir, quick ? 'RESULTS-quick.md' : 'RESULTS.md'), `# Benchmark results\n\n${table}`);
  return table;
}
