/**
 * The dashboard summary: one row per repository plus totals, derived from the per-repository states and
 * the workspace state, written in chunks so the dashboard reads it in a constant number of KVS calls.
 * Rebuilt (never edited in place) after scans and event-driven evaluations, so no update is lost.
 */
import { countOutcomes, emptyCounts, isExcepted, score } from '../engine/summarize';
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
  const oldest = evaluated.length === rows.length && rows.length > 0 ? evaluated.map((row) => row.evaluatedAt!).sort()[0]! : null;
  const meta = {
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
