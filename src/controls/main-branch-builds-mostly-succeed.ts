/**
 * BB-CI-3 — Main-branch builds mostly succeed. Successful ÷ (successful + failed) over completed pipelines
 * on the main branch created in the last `buildWindowDays` must reach `minBuildSuccessRate`. Other results
 * (error, stopped, expired) and unfinished pipelines do not count. Reads: GET …/pipelines (read:pipeline).
 */
import { fail, need, notApplicable, pass, type RepositoryControl } from './types';
import { instantMs } from '../lib/instant';

export const mainBranchBuildsMostlySucceed: RepositoryControl<'mainBranchPipelines'> = {
  id: 'BB-CI-3',
  title: 'Main-branch builds mostly succeed',
  severity: 'low',
  scope: 'repository',
  needs: ['mainBranchPipelines'],
  appliesToNonProduction: false,
  needsMainBranch: true,
  rationale: 'A main branch that is often red means changes are merged without working verification.',
  remediation: {
    summary: 'Fix the failing main-branch builds.',
    steps: [
      'Open Pipelines, filter by the main branch, and fix the causes of failing runs.',
      'Require a passing build before merging (BB-CI-1) so failures are caught on the pull request.',
    ],
  },
  frameworks: { soc2: ['CC7.1'], iso27001: ['8.25'], cis: [] },
  docs: 'https://support.atlassian.com/bitbucket-cloud/docs/view-your-pipeline/',
  evaluate(data, subject, { policy, now }) {
    const since = now.getTime() - policy.buildWindowDays * 86_400_000;
    const pipelines = need('mainBranchPipelines', data.mainBranchPipelines).filter(
      (p) => instantMs(p.created_on) >= since && p.state.name === 'COMPLETED',
    );
    const successful = pipelines.filter((p) => p.state.result?.name === 'SUCCESSFUL').length;
    const failed = pipelines.filter((p) => p.state.result?.name === 'FAILED').length;
    const counted = successful + failed;
    const evidence = {
      successful,
      failed,
      windowDays: policy.buildWindowDays,
      threshold: policy.minBuildSuccessRate,
      rate: counted ? successful / counted : null,
    };
    if (counted === 0) return notApplicable(`No completed main-branch pipeline in the last ${policy.buildWindowDays} days.`, evidence);
    const rate = successful / counted;
    const percent = `${Math.round(rate * 1000) / 10}%`;
    if (rate >= policy.minBuildSuccessRate)
      return pass(`${percent} of ${counted} main-branch builds succeeded in the last ${policy.buildWindowDays} days.`, evidence);
    return fail(
      `Only ${percent} of ${counted} main-branch builds succeeded (${failed} failed); the policy asks for ${Math.round(policy.minBuildSuccessRate * 100)}%.`,
      { ...evidence, mainBranch: subject.mainBranch },
    );
  },
};
