import { DEMO_NOW } from '../../local/emulator/seeds';
import { REPOSITORY_CONTROLS } from '../../src/controls';
import { evaluateRepository } from '../../src/engine/evaluate';
import { Policy } from '../../src/policy/policy';
import { resolveRepository } from '../../src/policy/resolve';
import { type BenchOptions, type Figure } from '../sandbox';
import { repositorySnapshot, repository, restriction, ok, merged, pipeline } from '../../test/builders/snapshot';

/** The engine alone: 10,000 collected repository snapshots against the whole catalogue. */
export function engine({ quick }: BenchOptions): Figure {
  const count = quick ? 1000 : 10_000;
  const policy = Policy.parse({});
  const snapshots = Array.from({ length: count }, (_, i) =>
    repositorySnapshot({
      repository: ok(repository({ uuid: `{00000000-0000-4000-8000-${String(i).padStart(12, '0')}}`, slug: `r${i}` })),
      branchRestrictions: ok([
        restriction('push'),
        restriction('force'),
        restriction('require_approvals_to_merge', { value: i % 3 }),
        restriction('enforce_merge_checks'),
      ]),
      mainBranchPipelines: ok([pipeline('SUCCESSFUL', 1), pipeline('FAILED', 2)]),
      mergedPullRequests: ok([merged(1), merged(2)]),
    }),
  );
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  let peak = 0;
  for (const [i, snapshot] of snapshots.entries()) {
    const identity = { slug: `r${i}`, uuid: `{00000000-0000-4000-8000-${String(i).padStart(12, '0')}}`, projectKey: null };
    const now = new Date(DEMO_NOW);
    evaluateRepository(snapshot, resolveRepository(REPOSITORY_CONTROLS, { identity, mainBranch: 'main' }, policy, now), { policy, now });
    if (i % 500 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - started) / 1000;
  peak = Math.max(peak, process.memoryUsage().rss);
  return {
    figure: `Engine: ${count.toLocaleString('en')} collected snapshots × the 17 repository controls`,
    value: `${seconds.toFixed(2)} s; peak RSS ${(peak / 1024 / 1024).toFixed(0)} MB (heap before ${(heapBefore / 1024 / 1024).toFixed(0)} MB)`,
    target: 'under 2 s and 256 MB',
    data: { count, seconds, peakRssMb: peak / 1024 / 1024 },
  };
}
