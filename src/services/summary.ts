/**
 * The dashboard summary: one row per repository plus totals, derived from the per-repository states and
 * the workspace state, written in chunks so the dashboard reads it in a constant number of KVS calls.
 * Rebuilt (never edited in place) after scans and event-driven evaluations, so no update is lost.
 */
import { countOutcomes, emptyCounts, frameworkView, isExcepted, score } from '../engine/summarize';
import type { Result } from '../controls/types';
import type { SummaryMeta, SummaryRow } from '../store/records';
import type { Store } from '../store/store';

export async function rebuildSummary(store: Store, now: Date): Promise<SummaryMeta & { chunks: number }> {
  const [repositories, workspace] = await Promise.all([store.listRepositories(), store.getWorkspace()]);
  const rows: SummaryRow[] = repositories
    .map((record) => {
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
    })
    .sort((a, b) => a.slug.localeCompare(b.slug));
  const all = [...((workspace?.results ?? []) as Result[]), ...repositories.flatMap((record) => (record.results ?? []) as Result[])];
  const evaluated = rows.filter((row) => row.evaluatedAt !== null);
  const times = rows.flatMap((row) => (row.evaluatedAt === null ? [] : [row.evaluatedAt])).sort();
  const oldest = times.length === rows.length ? (times[0] ?? null) : null;
  const subjects: Array<{ name: string; uuid: string | null; results: Result[] }> = [
    { name: 'workspace', uuid: null, results: (workspace?.results ?? []) as Result[] },
    ...repositories.map((record) => ({ name: record.slug, uuid: record.uuid, results: (record.results ?? []) as Result[] })),
  ];
  const CAP = 300;
  const attention = {
    notEvaluable: subjects
      .flatMap((subject) =>
        subject.results
          .filter((r) => r.outcome === 'not-evaluable')
          .map((r) => ({
            subject: subject.name,
            subjectUuid: subject.uuid,
            control: r.control,
            message: r.message,
            fix: r.remediation?.[0] ?? null,
          })),
      )
      .slice(0, CAP),
    excepted: subjects
      .flatMap((subject) =>
        subject.results.flatMap((r) =>
          r.exception ? [{ subject: subject.name, subjectUuid: subject.uuid, control: r.control, ...r.exception }] : [],
        ),
      )
      .slice(0, CAP),
    advisory: subjects
      .flatMap((subject) =>
        subject.results
          .filter((r) => r.outcome === 'pass' && r.enforced === false)
          .map((r) => ({ subject: subject.name, subjectUuid: subject.uuid, control: r.control })),
      )
      .slice(0, CAP),
  };
  const rates = new Map<string, { pass: number; fail: number }>();
  for (const result of all) {
    const entry = rates.get(result.control) ?? { pass: 0, fail: 0 };
    if (result.outcome === 'pass' || isExcepted(result)) entry.pass++;
    else if (result.outcome === 'fail') entry.fail++;
    rates.set(result.control, entry);
  }
  const controlRates = [...rates.entries()]
    .map(([control, { pass, fail }]) => ({ control, pass, fail, rate: pass + fail === 0 ? null : pass / (pass + fail) }))
    .sort((a, b) => a.control.localeCompare(b.control));
  const meta = {
    frameworks: frameworkView(all),
    controlRates,
    attention,
    generatedAt: now.toISOString(),
    repositories: rows.length,
    evaluated: evaluated.length,
    score: score(all),
    outcomes: countOutcomes(all, emptyCounts()),
    oldestEvaluatedAt: oldest,
  };
  const chunks = await store.putSummary(meta, rows);
  return { ...meta, chunks };
}
