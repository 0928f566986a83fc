/**
 * The dashboard summary: one row per repository plus totals. Each repository record is written with a change
 * marker in the same transaction (store.ts); a rebuild folds in only the records marked since the last one, and
 * recomputes the totals from the rows, which keep each control's outcome: neither the rebuild nor the hourly plan
 * reads every repository record (at 10,000 repositories a record read is about 16 times a row's size). Rows live
 * in chunks chosen by a hash of the repository's uuid, so a rebuild rewrites only the chunks whose rows changed.
 * Rebuilds run under a lease: each reads the last summary, and two at once would each lose the other's changes.
 */
import { countOutcomes, emptyCounts, frameworkView, isExcepted, score, type Counted } from '../engine/summarize';
import type { Result } from '../controls/types';
import type { IndexRow, RepositoryRecord, SummaryMeta } from '../store/records';
import type { Store, SummaryLayout } from '../store/store';
import { layoutRows } from './summary-layout';

const ATTENTION_CAP = 300;
/** More changed repositories than this and a rebuild reads every record instead (cheaper than 10+ batch gets). */
export const FOLD_LIMIT = 250;
/**
 * A change marker is written with its record, inside the record's lease (60 s); a marker marked this long before
 * a rebuild started was visible to it, so the rebuild may forget it.
 */
const SETTLE_MS = 5 * 60_000;
/**
 * Folded markers deleted per rebuild (1,000 write units: a quarter of the minute's); after an install's 10,000 new
 * records the rest are listed but not read again by later rebuilds, deleted by them in turn, or expire within a day.
 */
const CLEAR_LIMIT = 1000;

type Outcomes = IndexRow['outcomes'];

/** Each control's outcome, by control id in sorted order (as the stored chunks keep them: store/summary-codec.ts). */
function outcomesOf(results: readonly Result[]): Outcomes {
  const sorted = [...results].sort((a, b) => (a.control < b.control ? -1 : a.control > b.control ? 1 : 0));
  return Object.fromEntries(sorted.map((r) => [r.control, isExcepted(r) ? 'excepted' : r.outcome]));
}

function rowAttention(results: readonly Result[]): IndexRow['attention'] {
  const notEvaluable = results
    .filter((r) => r.outcome === 'not-evaluable')
    .map((r) => ({ control: r.control, message: r.message, fix: r.remediation?.[0] ?? null }));
  const excepted = results.flatMap((r) => (r.exception ? [{ control: r.control, ...r.exception }] : []));
  const advisory = results.filter((r) => r.outcome === 'pass' && r.enforced === false).map((r) => r.control);
  return notEvaluable.length + excepted.length + advisory.length === 0 ? undefined : { notEvaluable, excepted, advisory };
}

export function indexRow(record: RepositoryRecord): IndexRow {
  const results = (record.results ?? []) as Result[];
  const attention = rowAttention(results);
  const outcomes = outcomesOf(results);
  return {
    uuid: record.uuid,
    slug: record.slug,
    project: record.projectKey,
    classification: record.classification,
    score: record.score,
    evaluatedAt: record.evaluatedAt,
    requests: record.requests,
    ...(attention ? { attention } : {}),
    counts: countOutcomes(results, emptyCounts()),
    failing: Object.entries(outcomes).flatMap(([control, outcome]) => (outcome === 'fail' ? [control] : [])),
    outcomes,
  };
}

/** A row's outcomes as results the totals count (an excepted fail counts as met). */
function countedOf(row: IndexRow): Counted[] {
  return Object.entries(row.outcomes).map(([control, outcome]) =>
    outcome === 'excepted' ? { control, outcome: 'fail', exception: { expired: false } } : { control, outcome },
  );
}

type Subject = { name: string; uuid: string | null; attention: NonNullable<IndexRow['attention']> };

/** What needs a look, each list capped: unreadable results, excepted fails, and passes that are advisory only. */
function attentionOf(subjects: readonly Subject[]): SummaryMeta['attention'] {
  const each = <T>(pick: (subject: Subject) => T[]) => subjects.flatMap(pick).slice(0, ATTENTION_CAP);
  const about = (subject: Subject) => ({ subject: subject.name, subjectUuid: subject.uuid });
  return {
    notEvaluable: each((subject) => subject.attention.notEvaluable.map((item) => ({ ...about(subject), ...item }))),
    excepted: each((subject) => subject.attention.excepted.map((item) => ({ ...about(subject), ...item }))),
    advisory: each((subject) => subject.attention.advisory.map((control) => ({ ...about(subject), control }))),
  };
}

/** Per control, how many subjects meet it (an excepted fail counts as met) and how many fail. */
function controlRatesOf(all: readonly Counted[]): SummaryMeta['controlRates'] {
  const rates = new Map<string, { pass: number; fail: number }>();
  for (const result of all) {
    const entry = rates.get(result.control) ?? { pass: 0, fail: 0 };
    if (result.outcome === 'pass' || isExcepted(result)) entry.pass++;
    else if (result.outcome === 'fail') entry.fail++;
    rates.set(result.control, entry);
  }
  return [...rates.entries()]
    .map(([control, { pass, fail }]) => ({ control, pass, fail, rate: pass + fail === 0 ? null : pass / (pass + fail) }))
    .sort((a, b) => a.control.localeCompare(b.control));
}

/** The totals, from the rows and the workspace's own results. */
function metaOf(rows: readonly IndexRow[], workspace: readonly Result[], now: Date): Omit<SummaryMeta, 'chunks' | 'generation'> {
  const sorted = [...rows].sort((a, b) => a.slug.localeCompare(b.slug));
  const all: Counted[] = [...workspace, ...sorted.flatMap(countedOf)];
  const empty = { notEvaluable: [], excepted: [], advisory: [] };
  const subjects: Subject[] = [
    { name: 'workspace', uuid: null, attention: rowAttention(workspace) ?? empty },
    ...sorted.flatMap((row) => (row.attention ? [{ name: row.slug, uuid: row.uuid, attention: row.attention }] : [])),
  ];
  const times = sorted.flatMap((row) => (row.evaluatedAt === null ? [] : [row.evaluatedAt])).sort();
  return {
    frameworks: frameworkView(all),
    controlRates: controlRatesOf(all),
    attention: attentionOf(subjects),
    generatedAt: now.toISOString(),
    foldedThrough: null,
    repositories: sorted.length,
    evaluated: times.length,
    score: score(all),
    outcomes: countOutcomes(all, emptyCounts()),
    oldestEvaluatedAt: times.length === sorted.length ? (times[0] ?? null) : null,
  };
}

/** What a rebuild did, for the log and the bench. */
export interface Rebuilt {
  meta: Omit<SummaryMeta, 'chunks' | 'generation'>;
  mode: 'full' | 'incremental';
  recordsRead: number;
  chunksWritten: number;
  chunks: number;
}

/** The rows as they stand: the last summary's, with every record changed since read again (or all, when too many). */
export async function currentRows(store: Store, started: Date): Promise<{ rows: Map<string, IndexRow>; folded: Folded }> {
  const [summary, markers] = await Promise.all([store.getSummary(), store.pendingChanges()]);
  const foldedThrough = summary?.meta.foldedThrough ?? null;
  const unfolded = markers.filter((marker) => foldedThrough === null || marker.value.at > foldedThrough);
  const changed = [...new Set(unfolded.map((marker) => marker.value.uuid))];
  const settled = new Date(started.getTime() - SETTLE_MS).toISOString();
  const full = !summary || foldedThrough === null || summary.chunks.includes(null) || changed.length > FOLD_LIMIT;
  const folded: Folded = {
    summary,
    through: foldedThrough !== null && foldedThrough > settled ? foldedThrough : settled,
    mode: full ? 'full' : 'incremental',
    recordsRead: 0,
    clearable: [],
  };
  folded.clearable = markers.filter((marker) => marker.value.at <= folded.through).map((marker) => marker.key);
  if (full) {
    const records = await store.listRepositories();
    folded.recordsRead = records.length;
    return { rows: new Map(records.map((record) => [record.uuid, indexRow(record)])), folded };
  }
  const rows = new Map(summary.rows.map((row) => [row.uuid, row]));
  const records = await store.getRepositories(changed);
  folded.recordsRead = changed.length;
  for (const uuid of changed) {
    const record = records.get(uuid);
    if (record) rows.set(uuid, indexRow(record));
    else rows.delete(uuid);
  }
  return { rows, folded };
}

/** How `currentRows` came by its rows, and which change markers a rebuild that writes them may delete. */
export interface Folded {
  summary: Awaited<ReturnType<Store['getSummary']>>;
  through: string;
  mode: 'full' | 'incremental';
  recordsRead: number;
  clearable: string[];
}

export async function rebuildSummary(store: Store, now: Date): Promise<Rebuilt> {
  return store.withSummaryLease(async () => {
    const [{ rows, folded }, workspace] = await Promise.all([currentRows(store, now), store.getWorkspace()]);
    const meta = { ...metaOf([...rows.values()], (workspace?.results ?? []) as Result[], now), foldedThrough: folded.through };
    const layout: SummaryLayout = layoutRows([...rows.values()], folded.summary, now);
    await store.putSummary(meta, layout);
    await store.clearChanges(folded.clearable.slice(0, CLEAR_LIMIT));
    return { meta, mode: folded.mode, recordsRead: folded.recordsRead, chunksWritten: layout.changed.size, chunks: layout.chunks.length };
  });
}
