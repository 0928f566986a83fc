/**
 * Table-driven tests of the Pipelines controls and the merged-pull-request controls: thresholds at and
 * below the boundary, the window, superseded statuses, self-approval.
 */
import { pipelineCommands } from '../../src/controls/pipelines-run-security-scan';
import { AUTHOR, merged, ok, pipeline, REVIEWER, status } from '../builders/snapshot';
import { checkRepository } from './harness';

describe('BB-CI-2 Bitbucket Pipelines is enabled', () => {
  it.each([
    ['enabled → pass', true, 'pass'],
    ['disabled → fail', false, 'fail'],
  ])('%s', (_name, enabled, outcome) => {
    expect(checkRepository('BB-CI-2', { pipelinesConfig: ok({ enabled }) }).outcome).toBe(outcome);
  });
  it('is checked for an empty repository too (it needs no main branch)', () => {
    expect(checkRepository('BB-CI-2', { pipelinesConfig: ok({ enabled: true }) }, { mainBranch: null }).outcome).toBe('pass');
  });
});

describe('BB-CI-3 Main-branch builds mostly succeed', () => {
  const run = (successes: number, failures: number, extra: ReturnType<typeof pipeline>[] = []) => ({
    mainBranchPipelines: ok([
      ...Array.from({ length: successes }, () => pipeline('SUCCESSFUL', 2)),
      ...Array.from({ length: failures }, () => pipeline('FAILED', 3)),
      ...extra,
    ]),
  });
  it.each([
    ['9 of 10 at a 0.9 threshold (exactly at it) → pass', run(9, 1), 'pass'],
    ['8 of 10 at 0.9 → fail', run(8, 2), 'fail'],
    ['10 of 10 → pass', run(10, 0), 'pass'],
    [
      'errors, stops and running pipelines do not count → pass',
      run(1, 0, [pipeline('ERROR', 1), pipeline('STOPPED', 1), pipeline(null, 1)]),
      'pass',
    ],
    ['only pipelines older than the window → not-applicable', { mainBranchPipelines: ok([pipeline('FAILED', 31)]) }, 'not-applicable'],
    ['no pipelines → not-applicable', run(0, 0), 'not-applicable'],
  ])('%s', (_name, data, outcome) => {
    expect(checkRepository('BB-CI-3', data).outcome).toBe(outcome);
  });

  it('states the rate and counts on a fail', () => {
    expect(checkRepository('BB-CI-3', run(8, 2))).toMatchObject({
      evidence: { successful: 8, failed: 2, rate: 0.8 },
      message: 'Only 80% of 10 main-branch builds succeeded (2 failed); the policy asks for 90%.',
    });
  });

  it('respects a policy window of 7 days', () => {
    expect(
      checkRepository(
        'BB-CI-3',
        { mainBranchPipelines: ok([pipeline('FAILED', 8), pipeline('SUCCESSFUL', 1)]) },
        { policy: { buildWindowDays: 7 } },
      ).outcome,
    ).toBe('pass');
  });
});

describe('BB-CI-4 Pipelines run a security scan', () => {
  const file = (body: string) => `image: node:22\npipelines:\n  default:\n    - step:\n        script:\n${body}`;
  it.each([
    ['a snyk pipe → pass', true, file('          - npm test\n          - pipe: snyk/snyk-scan:1.0.1\n'), 'pass'],
    ['a trivy script line, any case → pass', true, file('          - TRIVY fs .\n'), 'pass'],
    ['a scanner only in a comment → fail', true, file('          - npm test # gitleaks runs elsewhere\n'), 'fail'],
    ['no scanner → fail', true, file('          - npm test\n'), 'fail'],
    ['no pipelines file → fail', true, null, 'fail'],
    ['Pipelines disabled → fail', false, file('          - pipe: snyk/snyk-scan:1.0.1\n'), 'fail'],
  ])('%s', (_name, enabled, content, outcome) => {
    expect(checkRepository('BB-CI-4', { pipelinesConfig: ok({ enabled }), pipelinesFile: ok(content) }).outcome).toBe(outcome);
  });

  it('names the missing piece', () => {
    expect(checkRepository('BB-CI-4', { pipelinesConfig: ok({ enabled: false }) }).evidence).toEqual({ missing: 'pipelines-disabled' });
    expect(checkRepository('BB-CI-4', { pipelinesFile: ok(null) }).evidence).toEqual({ missing: 'pipelines-file' });
  });

  it('honours the policy list of scanners', () => {
    expect(
      checkRepository(
        'BB-CI-4',
        { pipelinesFile: ok(file('          - ./bin/acme-scan\n')) },
        { policy: { securityScanners: ['acme-scan'] } },
      ).outcome,
    ).toBe('pass');
  });

  it('reads pipe values and script lines', () => {
    expect(pipelineCommands(file('          - npm ci\n          - pipe: "atlassian/git-secrets-scan:0.6.1"\n'))).toEqual([
      'npm ci',
      'atlassian/git-secrets-scan:0.6.1',
    ]);
  });
});

describe('BB-PR-1 Merged pull requests were approved by someone other than the author', () => {
  it.each([
    ['approved by another person → pass', [merged(1)], 'pass'],
    ['approved only by the author → fail', [merged(1, { participants: [{ user: AUTHOR, approved: true }] })], 'fail'],
    ['a reviewer who did not approve → fail', [merged(1, { participants: [{ user: REVIEWER, approved: false }] })], 'fail'],
    ['one of two self-approved → fail', [merged(1), merged(2, { participants: [{ user: AUTHOR, approved: true }] })], 'fail'],
    ['none merged in the window → not-applicable', [], 'not-applicable'],
  ])('%s', (_name, pullRequests, outcome) => {
    expect(checkRepository('BB-PR-1', { mergedPullRequests: ok(pullRequests) }).outcome).toBe(outcome);
  });

  it('lists the pull requests without independent approval', () => {
    const result = checkRepository('BB-PR-1', {
      mergedPullRequests: ok([merged(1), merged(2, { participants: [] }), merged(3, { participants: [{ user: AUTHOR, approved: true }] })]),
    });
    expect(result.evidence).toMatchObject({ merged: 3, withoutIndependentApproval: [2, 3] });
    expect(result.message).toBe('2 of 3 merged pull requests had no approval from anyone but the author: #2, #3.');
  });

  it('a list cut short → not-evaluable, never a pass', () => {
    expect(checkRepository('BB-PR-1', { mergedPullRequests: ok([merged(1)], true) }).outcome).toBe('not-evaluable');
  });
});

describe('BB-PR-2 Merged pull requests had a passing build', () => {
  it.each([
    [
      'the newest status per key passed → pass',
      [merged(1, { statuses: [status('ci', 'FAILED', 1), status('ci', 'SUCCESSFUL', 5)] })],
      'pass',
    ],
    [
      'a newer failure supersedes an older success → fail',
      [merged(1, { statuses: [status('ci', 'SUCCESSFUL', 1), status('ci', 'FAILED', 5)] })],
      'fail',
    ],
    [
      'one key passed, another still in progress → fail',
      [merged(1, { statuses: [status('ci', 'SUCCESSFUL', 1), status('e2e', 'INPROGRESS', 2)] })],
      'fail',
    ],
    ['no status at all → fail', [merged(1, { statuses: [] })], 'fail'],
    ['none merged → not-applicable', [], 'not-applicable'],
  ])('%s', (_name, pullRequests, outcome) => {
    expect(checkRepository('BB-PR-2', { mergedPullRequests: ok(pullRequests) }).outcome).toBe(outcome);
  });
});
