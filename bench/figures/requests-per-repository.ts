import { DEMO_NOW, demoPolicy, demoSeed } from '../../local/emulator/seeds';
import { appRequest, createBitbucketClient } from '../../src/bitbucket/client';
import { REPOSITORY_CONTROLS } from '../../src/controls';
import { scanWorkspace } from '../../src/engine/scan';
import { Policy } from '../../src/policy/policy';
import { resolveRepository } from '../../src/policy/resolve';
import { sandbox, type Figure } from '../sandbox';

/** Requests per repository of a direct scan, against the floor: one request per data need (per page). */
export async function requestsPerRepository(): Promise<Figure> {
  const s = await sandbox(demoSeed());
  const policy = Policy.parse(demoPolicy(s.emulator.seed));
  const report = await scanWorkspace({
    client: createBitbucketClient({ request: appRequest() }),
    workspace: 'acme',
    policy,
    now: new Date(DEMO_NOW),
    version: 'bench',
  });
  let floor = 2; // the workspace and the repository list
  for (const repo of report.repositories) {
    const identity = { slug: repo.slug, uuid: repo.uuid, projectKey: repo.project };
    const resolved = resolveRepository(REPOSITORY_CONTROLS, { identity, mainBranch: repo.mainBranch }, policy, new Date(DEMO_NOW));
    const needs = [...resolved.needs].filter((need) => need !== 'repository' && need !== 'effectiveBranchingModel');
    const usesModel = s.ws.repositories
      .find((r) => r.slug === repo.slug)!
      .branchRestrictions.some((r) => r.branch_match_kind === 'branching_model');
    const pr = repo.results.find((r) => r.control === 'BB-PR-1')?.evidence as { merged?: number } | undefined;
    const pipelinesOff = repo.results.find((r) => r.control === 'BB-CI-2')?.outcome === 'fail';
    // Each need is one request; the file is not read when Pipelines is off, and reading it takes two (the main
    // branch's head commit, then the file at that commit); each merged PR needs its statuses.
    const readsFile = needs.includes('pipelinesFile') && !pipelinesOff;
    floor +=
      needs.length -
      (pipelinesOff && needs.includes('pipelinesFile') ? 1 : 0) +
      (readsFile ? 1 : 0) +
      (usesModel && resolved.applicable.length > 2 ? 1 : 0) +
      (pr?.merged ?? 0);
  }
  floor += 2; // members, workspace permissions
  const requests = s.emulator.log.length;
  await s.emulator.close();
  const ratio = requests / floor;
  return {
    figure: 'Bitbucket requests per repository for a full scan (demo seed), and ÷ the floor of distinct data needs',
    value: `${(requests / report.repositories.length).toFixed(2)} a repository; ${ratio.toFixed(3)} × the floor (${requests} requests, floor ${floor})`,
    target: '≤ 1.1 × the floor',
    data: { requests, floor, repositories: report.repositories.length, ratio },
  };
}
