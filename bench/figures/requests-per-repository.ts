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
    const seeded = s.ws.repositories.find((r) => r.slug === repo.slug)!;
    const usesModel = seeded.branchRestrictions.some((r) => r.branch_match_kind === 'branching_model');
    const pr = repo.results.find((r) => r.control === 'BB-PR-1')?.evidence as { merged?: number } | undefined;
    const pipelinesOff = repo.results.find((r) => r.control === 'BB-CI-2')?.outcome === 'fail';
    // Each need is one request; the file is not read when Pipelines is off; the file and the Code Insights
    // reports are read at the main branch's head commit, one more request shared by both; each merged PR needs
    // its statuses; each SECURITY report its findings (one page here), each deployment environment its variables.
    const readsFile = needs.includes('pipelinesFile') && !pipelinesOff;
    const readsReports = needs.includes('mainHeadReports');
    const securityReports = needs.includes('securityFindings') ? seeded.reports.filter((r) => r.reportType === 'SECURITY').length : 0;
    const environments = needs.includes('deploymentVariables') ? seeded.environments.length : 0;
    floor +=
      needs.length -
      (pipelinesOff && needs.includes('pipelinesFile') ? 1 : 0) +
      (readsFile || readsReports ? 1 : 0) +
      (usesModel && resolved.applicable.length > 2 ? 1 : 0) +
      (pr?.merged ?? 0) -
      (needs.includes('securityFindings') ? 1 : 0) +
      securityReports +
      environments;
  }
  floor += 3; // members, workspace permissions, workspace variables
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
