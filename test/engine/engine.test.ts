/**
 * The engine on the demo seed over the emulator: each need fetched once, nothing fetched for disabled or
 * inapplicable controls, isolation of failures, the request budget, scores and the framework view.
 */
import { REPOSITORY_CONTROLS } from '../../src/controls';
import type { RepositoryControl } from '../../src/controls/types';
import { evaluateRepository } from '../../src/engine/evaluate';
import { resolveRepository } from '../../src/policy/resolve';
import { scanWorkspace, type ScanReport } from '../../src/engine/scan';
import { frameworkView, score } from '../../src/engine/summarize';
import { Policy } from '../../src/policy/policy';
import { demoPolicy } from '../../local/emulator/seeds';
import { repositorySnapshot } from '../builders/snapshot';
import { startSandbox } from './sandbox';

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

async function scan(sandbox: Sandbox, policyInput: Record<string, unknown> = {}, ceiling: number | null = null): Promise<ScanReport> {
  return scanWorkspace({
    client: sandbox.client(ceiling),
    workspace: 'acme',
    policy: Policy.parse(policyInput),
    now: sandbox.now,
    version: 'test',
  });
}

describe('engine', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
  });
  afterEach(() => sandbox.emulator.close());

  it('fetches every data need at most once per repository', async () => {
    await scan(sandbox, demoPolicy(sandbox.emulator.seed));
    const seen = new Map<string, number>();
    for (const entry of sandbox.emulator.log) {
      const query = new URLSearchParams(entry.query);
      query.delete('page');
      const key = `${entry.path}?${query.toString()}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect([...seen.entries()].filter(([, count]) => count > 1)).toEqual([]);
    expect(sandbox.emulator.log.every((entry) => entry.status === 200)).toBe(true);
  });

  it('fetches nothing for disabled controls, non-production repositories and empty ones; the branching model only when used', async () => {
    const policy = { ...demoPolicy(sandbox.emulator.seed), disabledControls: ['BB-CR-4'] };
    const report = await scan(sandbox, policy);
    const paths = sandbox.emulator.log.map((entry) => entry.path);
    expect(paths.some((p) => p.endsWith('/effective-default-reviewers'))).toBe(false);
    const ws = sandbox.emulator.seed.workspaces[0]!;
    const uuidOf = (slug: string) => ws.repositories.find((repo) => repo.slug === slug)!.uuid;
    for (const repo of report.repositories.filter((r) => r.classification === 'non-production' || r.mainBranch === null)) {
      expect(paths.filter((p) => p.includes(uuidOf(repo.slug)))).toEqual([]);
    }
    const withModel = ws.repositories
      .filter((repo) => repo.branchRestrictions.some((r) => r.branch_match_kind === 'branching_model'))
      .map((repo) => repo.uuid);
    const modelReads = paths.filter((p) => p.endsWith('/effective-branching-model'));
    expect(modelReads.length).toBe(
      report.repositories.filter((r) => withModel.includes(r.uuid) && r.classification !== 'non-production').length,
    );
    expect(report.repositories.every((repo) => repo.results.every((result) => result.control !== 'BB-CR-4'))).toBe(true);
  });

  it('puts every enabled control exactly once per subject, sorted', async () => {
    const report = await scan(sandbox);
    const repositoryIds = REPOSITORY_CONTROLS.map((control) => control.id).sort();
    for (const repo of report.repositories) expect(repo.results.map((result) => result.control)).toEqual(repositoryIds);
    expect(report.workspaceResults.map((result) => result.control)).toEqual([
      'BB-AC-1',
      'BB-AC-2',
      'BB-AC-3',
      'BB-AC-4',
      'BB-AC-5',
      'BB-CI-6',
      'BB-MFA-1',
      'BB-MFA-2',
    ]);
    expect(report.repositories.map((repo) => repo.slug)).toEqual([...report.repositories.map((repo) => repo.slug)].sort());
  });

  it('never attaches remediation to a pass, and always to a fail or not-evaluable', async () => {
    const report = await scan(sandbox, demoPolicy(sandbox.emulator.seed));
    const results = [...report.workspaceResults, ...report.repositories.flatMap((repo) => repo.results)];
    for (const result of results) {
      if (result.outcome === 'pass' || result.outcome === 'not-applicable') expect(result.remediation).toBeUndefined();
      else expect(result.remediation?.length).toBeGreaterThan(0);
    }
  });

  it('stops cleanly when the request budget is spent, reports what it did not evaluate, and makes no false pass', async () => {
    const full = await scan(sandbox);
    const fullRequests = full.requests;
    const limited = await scan(sandbox, {}, Math.floor(fullRequests / 3));
    expect(limited.requests).toBeLessThanOrEqual(Math.floor(fullRequests / 3));
    expect(limited.unevaluated.length).toBeGreaterThan(0);
    expect(limited.unevaluated).toContain('(workspace)');
    const passedBefore = new Set(
      full.repositories.flatMap((repo) => repo.results.filter((r) => r.outcome === 'pass').map((r) => `${repo.slug}:${r.control}`)),
    );
    for (const repo of limited.repositories) {
      for (const result of repo.results) {
        if (result.outcome === 'pass') expect(passedBefore.has(`${repo.slug}:${result.control}`)).toBe(true);
        if (result.evidence.kind === 'budget-exhausted') expect(result.outcome).toBe('not-evaluable');
      }
    }
    // Repositories after the one where the budget ran out were not read at all.
    const last = limited.repositories[limited.repositories.length - 1]!;
    expect(limited.unevaluated).toContain(last.slug);
    expect(
      last.results
        .filter((r) => r.control.startsWith('BB-BP-'))
        .every((r) => r.outcome === 'not-evaluable' || r.outcome === 'not-applicable'),
    ).toBe(true);
  });

  it('a 403 on branch restrictions for one repository is not-evaluable there and spares the rest', async () => {
    const ws = sandbox.emulator.seed.workspaces[0]!;
    const target = ws.repositories.find((repo) => repo.slug === 'payments-api')!;
    sandbox.emulator.addFault({ path: `${target.uuid.replace(/[{}]/g, '\\$&')}/branch-restrictions`, kind: 'status', status: 403 });
    const report = await scan(sandbox);
    const repo = report.repositories.find((r) => r.slug === 'payments-api')!;
    expect(repo.results.filter((r) => r.control.startsWith('BB-BP-')).every((r) => r.outcome === 'not-evaluable')).toBe(true);
    expect(repo.results.find((r) => r.control === 'BB-CR-4')!.outcome).toBe('pass');
    expect(report.repositories.find((r) => r.slug === 'ledger')!.results.find((r) => r.control === 'BB-BP-1')!.outcome).toBe('pass');
  });

  const outcomeOf = (report: ScanReport, slug: string, control: string) =>
    report.repositories.find((r) => r.slug === slug)!.results.find((r) => r.control === control);
  const escaped = (uuid: string) => uuid.replace(/[{}]/g, '\\$&');

  it('catalogue v2 on Bitbucket’s refusals: a 403 on variables and a findings list that dangles are not-evaluable, never a pass', async () => {
    const ws = sandbox.emulator.seed.workspaces[0]!;
    const ledger = ws.repositories.find((repo) => repo.slug === 'ledger')!;
    const bypass = ws.repositories.find((repo) => repo.description.endsWith('bypass'))!;
    sandbox.emulator.addFault({ path: `${escaped(ledger.uuid)}/pipelines_config/variables`, kind: 'status', status: 403 });
    sandbox.emulator.addFault({ path: `${escaped(ledger.uuid)}/commit/[0-9a-f]+/reports/[^/]+/annotations`, kind: 'dangling-next' });
    sandbox.emulator.addFault({ path: '/workspaces/[^/]+/pipelines-config/variables', kind: 'status', status: 403 });
    const report = await scan(sandbox, demoPolicy(sandbox.emulator.seed));
    expect(outcomeOf(report, 'ledger', 'BB-CI-5')).toMatchObject({ outcome: 'not-evaluable' });
    expect(outcomeOf(report, 'ledger', 'BB-VULN-2')).toMatchObject({ outcome: 'not-evaluable' });
    // The report list itself was read: the scanner reported.
    expect(outcomeOf(report, 'ledger', 'BB-VULN-1')).toMatchObject({ outcome: 'pass' });
    expect(report.workspaceResults.find((r) => r.control === 'BB-CI-6')).toMatchObject({ outcome: 'not-evaluable' });
    // Elsewhere the same reads still decide.
    expect(outcomeOf(report, bypass.slug, 'BB-VULN-2')).toMatchObject({ outcome: 'fail' });
    expect(outcomeOf(report, bypass.slug, 'BB-CI-5')!.message).toBe('Not secured: DEPLOY_PASSWORD (Production environment).');
  });

  it('never asks for a variable’s value, and none reaches the report', async () => {
    const report = await scan(sandbox, demoPolicy(sandbox.emulator.seed));
    const variableReads = sandbox.emulator.log.filter((entry) => entry.path.endsWith('/variables'));
    expect(variableReads.length).toBeGreaterThan(0);
    for (const entry of variableReads)
      expect(new URLSearchParams(entry.query).get('fields')).toBe('values.uuid,values.key,values.secured,next');
    const text = JSON.stringify(report);
    for (const secret of ['wJalrXUtnFEMI', 'hunter2', 'dockerhub-example']) expect(text).not.toContain(secret);
    expect(outcomeOf(report, 'legacy-billing', 'BB-CI-5')!.message).toBe(
      'Not secured: AWS_ACCESS_KEY_ID (repository), AWS_SECRET_ACCESS_KEY (repository).',
    );
  });
});

describe('isolation', () => {
  it('a control that throws is not-evaluable and spares the others', () => {
    const broken: RepositoryControl<never> = {
      ...(REPOSITORY_CONTROLS.find((control) => control.id === 'BB-REPO-1') as RepositoryControl<never>),
      id: 'BB-TEST-1',
      evaluate() {
        throw new Error('boom');
      },
    };
    const policy = Policy.parse({ classification: { repositories: { api: 'production' } } });
    const now = new Date();
    const identity = { slug: 'api', uuid: '{0f3c1a2b-1111-4222-8333-444455556666}', projectKey: null };
    const controls = [broken, ...REPOSITORY_CONTROLS.filter((c) => c.id === 'BB-REPO-2')];
    const results = evaluateRepository(repositorySnapshot(), resolveRepository(controls, { identity, mainBranch: 'main' }, policy, now), {
      policy,
      now,
    });
    expect(results).toEqual([
      expect.objectContaining({ control: 'BB-REPO-2', outcome: 'pass' }),
      expect.objectContaining({ control: 'BB-TEST-1', outcome: 'not-evaluable', message: 'The control failed to evaluate: boom.' }),
    ]);
  });
});

describe('score', () => {
  const r = (control: string, outcome: 'pass' | 'fail' | 'not-evaluable' | 'not-applicable', excepted?: boolean) => ({
    control,
    outcome,
    message: '',
    evidence: {},
    ...(excepted === undefined ? {} : { exception: { reason: 'x', approvedBy: 'a', expiresOn: '2027-01-01', expired: !excepted } }),
  });
  it.each([
    ['all pass → 100', [r('BB-REPO-1', 'pass'), r('BB-CR-4', 'pass')], 100],
    ['critical pass (10), high fail (5) → 67', [r('BB-REPO-1', 'pass'), r('BB-REPO-2', 'fail')], 67],
    ['an excepted fail counts as met → 100', [r('BB-REPO-1', 'pass'), r('BB-REPO-2', 'fail', true)], 100],
    ['an expired exception does not → 67', [r('BB-REPO-1', 'pass'), r('BB-REPO-2', 'fail', false)], 67],
    [
      'not-evaluable and not-applicable are left out → 100',
      [r('BB-REPO-1', 'pass'), r('BB-REPO-2', 'not-evaluable'), r('BB-CR-4', 'not-applicable')],
      100,
    ],
    ['nothing counts → null', [r('BB-REPO-2', 'not-evaluable')], null],
  ])('%s', (_name, results, expected) => {
    expect(score(results)).toBe(expected);
  });

  it('maps every SOC 2 criterion, ISO control and CIS item to its controls', () => {
    const view = frameworkView([r('BB-BP-1', 'pass'), r('BB-BP-2', 'fail')]);
    expect(view.find((item) => item.framework === 'soc2' && item.id === 'CC8.1')).toMatchObject({
      status: 'gaps',
      outcomes: { pass: 1, fail: 1 },
    });
    expect(view.find((item) => item.framework === 'cis' && item.id === '1.1.15')).toMatchObject({ controls: ['BB-BP-1'], status: 'met' });
    expect(view.find((item) => item.framework === 'iso27001' && item.id === '5.18')).toMatchObject({
      controls: ['BB-AC-1', 'BB-AC-3', 'BB-AC-4', 'BB-AC-5'],
      status: 'unknown',
    });
  });
});
