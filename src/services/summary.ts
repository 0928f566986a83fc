/**
 * The dashboard summary: one row per repository plus totals, derived from the per-repository states and
 * the workspace state, written in chunks so the dashboard reads it in a constant number of KVS calls.
 * Rebuilt (never edited in place) after scans and event-driven evaluations, so no update is lost.
 */
import { countOutcomes, emptyCounts, frameworkView, isExcepted, score } from '../engine/summarize';
import type { Result } from '../controls/types';
import type { RepositoryRecord, SummaryMeta, SummaryRow } from '../store/records';
import type { Store } from '../store/store';

type Subject = { name: string; uuid: string | null; results: Result[] };
const ATTENTION_CAP = 300;

function summaryRow(record: RepositoryRecord): SummaryRow {
  const results = (record.results ?? []) as Result[];
  return {
    uuid: record.uuid,
    slug: record.slug,
    project: record.projectKey,
    classification: record.classification,
    score: record.score,
    counts: countOutcomes(results, emptyCounts()),
    failing: results.filter((result) => result.outcome === 'fail' && !isExcepted(result)).map((result) => result.control),
    evaluatedAt: record.evaluatedAt,
  };
}

/** What needs a look, each list capped: unreadable results, excepted fails, and passes that are advisory only. */
function attentionOf(subjects: readonly Subject[]): SummaryMeta['attention'] {
  const each = <T>(pick: (subject: Subject, result: Result) => T[]) =>
    subjects.flatMap((subject) => subject.results.flatMap((result) => pick(subject, result))).slice(0, ATTENTION_CAP);
  return {
    notEvaluable: each((subject, r) =>
      r.outcome === 'not-evaluable'
        ? [{ subject: subject.name, subjectUuid: subject.uuid, control: r.control, message: r.message, fix: r.remediation?.[0] ?? null }]
        : [],
    ),
    excepted: each((subject, r) =>
      r.exception ? [{ subject: subject.name, subjectUuid: subject.uuid, control: r.control, ...r.exception }] : [],
    ),
    advisory: each((subject, r) =>
      r.outcome === 'pass' && r.enforced === false ? [{ subject: subject.name, subjectUuid: subject.uuid, control: r.control }] : [],
    ),
  };
}

/** Per control, how many subjects meet it (an excepted fail counts as met) and how many fail. */
function controlRatesOf(all: readonly Result[]): SummaryMeta['controlRates'] {
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

export async function rebuildSummary(store: Store, now: Date): Promise<SummaryMeta & { chunks: number }> {
  const [repositories, workspace] = await Promise.all([store.listRepositories(), store.getWorkspace()]);
  const rows = repositories.map(summaryRow).sort((a, b) => a.slug.localeCompare(b.slug));
  const subjects: Subject[] = [
    { name: 'workspace', uuid: null, results: (workspace?.results ?? []) as Result[] },
    ...repositories.map((record) => ({ name: record.slug, uuid: record.uuid, results: (record.results ?? []) as Result[] })),
  ];
  const all = subjects.flatMap((subject) => subject.results);
  const times = rows.flatMap((row) => (row.evaluatedAt === null ? [] : [row.evaluatedAt])).sort();
  const meta = {
    frameworks: frameworkView(all),
    controlRates: controlRatesOf(all),
    attention: attentionOf(subjects),
    generatedAt: now.toISOString(),
    repositories: rows.length,
    evaluated: times.length,
    score: score(all),
    outcomes: countOutcomes(all, emptyCounts()),
    oldestEvaluatedAt: times.length === rows.length ? (times[0] ?? null) : null,
  };
  const chunks = await store.putSummary(meta, rows);
  return { ...meta, chunks };
}
