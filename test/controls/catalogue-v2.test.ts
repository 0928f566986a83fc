/**
 * Catalogue v2, control by control: BB-VULN-1 (a scanner reports on the main branch), BB-VULN-2 (no open critical
 * or high findings), BB-CI-5 and BB-CI-6 (secret-looking Pipelines variables are secured). Table-driven through
 * the engine, as a scan evaluates them; data in the shapes the client's schemas produce.
 */
import type { PipelineVariable } from '../../src/bitbucket/schemas';
import { looksSecret } from '../../src/controls/secret-names';
import type { EnvironmentVariables } from '../../src/controls/types';
import { DEFAULT_SECRET_VARIABLE_WORDS } from '../../src/policy/policy';
import { DAY, FAILURES, HEAD, NOW, failed, findings, ok, report } from '../builders/snapshot';
import { checkRepository, checkWorkspace } from './harness';

const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();
const reports = (list: ReturnType<typeof report>[], truncated = false) => ({
  mainHeadReports: ok({ commit: HEAD, reports: list, truncated }),
});

describe('BB-VULN-1 A security scanner reports on the main branch', () => {
  it.each([
    ['Snyk reported yesterday → pass', [report()], false, 'pass'],
    ['no report at all → fail', [], false, 'fail'],
    ['only a coverage report → fail', [report({ report_type: 'COVERAGE', reporter: 'Codecov' })], false, 'fail'],
    [
      'a SECURITY report from a scanner the policy does not list → fail',
      [report({ reporter: 'Acme audit bot', title: 'Audit' })],
      false,
      'fail',
    ],
    ['the scanner is named in the title only → pass', [report({ reporter: undefined, title: 'SonarCloud Quality Gate' })], false, 'pass'],
    ['60 days old, the policy allows 30 → fail', [report({ updated_on: daysAgo(60) })], false, 'fail'],
    [
      'a stale report and a fresh one → pass',
      [report({ updated_on: daysAgo(60) }), report({ reporter: 'Mend', updated_on: daysAgo(3) })],
      false,
      'pass',
    ],
    ['no date given → not evaluable', [report({ updated_on: undefined, created_on: undefined })], false, 'not-evaluable'],
    ['nothing found, but the list was cut short → not evaluable', [], true, 'not-evaluable'],
    ['a Bitbucket-format timestamp → read, pass', [report({ updated_on: '2026-11-21T09:00:00.123456+00:00' })], false, 'pass'],
  ] as const)('%s', (_name, list, truncated, outcome) => {
    expect(checkRepository('BB-VULN-1', reports([...list], truncated)).outcome).toBe(outcome);
  });

  it('names the scanner and the age when it passes, and the policy age when it fails', () => {
    expect(checkRepository('BB-VULN-1', reports([report()])).message).toBe('Snyk reported on the latest commit 1 day ago.');
    expect(checkRepository('BB-VULN-1', reports([report({ updated_on: daysAgo(45) })])).message).toBe(
      'The newest security report is 45 days old; the policy allows 30.',
    );
    expect(checkRepository('BB-VULN-1', reports([report({ updated_on: daysAgo(45) })]), { policy: { maxReportAgeDays: 60 } }).outcome).toBe(
      'pass',
    );
  });

  it.each(FAILURES)('reports that cannot be read (%s) → not evaluable', (_name, kind, status) => {
    expect(checkRepository('BB-VULN-1', { mainHeadReports: failed(kind, status) }).outcome).toBe('not-evaluable');
  });

  it('does not apply without a main branch, or to non-production repositories', () => {
    expect(checkRepository('BB-VULN-1', reports([]), { mainBranch: null }).outcome).toBe('not-applicable');
    expect(checkRepository('BB-VULN-1', reports([]), { classification: 'non-production' }).outcome).toBe('not-applicable');
  });
});

const withFindings = (list: ReturnType<typeof findings>[], truncated = false) => ({
  securityFindings: ok({ commit: HEAD, reports: list, truncated }),
});
const counts = (CRITICAL: number, HIGH: number, MEDIUM = 0, LOW = 0) => ({ CRITICAL, HIGH, MEDIUM, LOW });

describe('BB-VULN-2 The main branch has no open critical or high findings', () => {
  it.each([
    ['medium and low only → pass', [findings({ counts: counts(0, 0, 3, 5), annotations: 8 })], {}, 'pass'],
    ['one critical → fail', [findings({ counts: counts(1, 0), annotations: 1, result: 'FAILED' })], {}, 'fail'],
    ['two high, the policy allows none → fail', [findings({ counts: counts(0, 2), annotations: 2 })], {}, 'fail'],
    ['two high, the policy allows five → pass', [findings({ counts: counts(0, 2), annotations: 2 })], { maxHighFindings: 5 }, 'pass'],
    [
      'highs summed over two scanners exceed the limit → fail',
      [findings({ counts: counts(0, 3) }), findings({ counts: counts(0, 3) })],
      { maxHighFindings: 5 },
      'fail',
    ],
    ['FAILED without listing any finding → fail', [findings({ result: 'FAILED', annotations: 0 })], {}, 'fail'],
    ['still scanning (PENDING) → not evaluable', [findings({ result: 'PENDING' })], {}, 'not-evaluable'],
    [
      'findings not all read → not evaluable',
      [findings({ incomplete: 'more than 1000 findings; the rest were not read' })],
      {},
      'not-evaluable',
    ],
    ['findings not all read, but already a critical one → fail', [findings({ counts: counts(1, 0), incomplete: 'cut short' })], {}, 'fail'],
    ['no security report → not applicable (BB-VULN-1 covers it)', [], {}, 'not-applicable'],
  ] as const)('%s', (_name, list, policy, outcome) => {
    expect(checkRepository('BB-VULN-2', withFindings([...list]), { policy }).outcome).toBe(outcome);
  });

  it('a report list cut short with nothing found → not evaluable, never a pass', () => {
    expect(checkRepository('BB-VULN-2', withFindings([], true)).outcome).toBe('not-evaluable');
    expect(checkRepository('BB-VULN-2', withFindings([findings()], true)).outcome).toBe('not-evaluable');
  });

  it('says how many of each are open and what the policy allows', () => {
    const result = checkRepository('BB-VULN-2', withFindings([findings({ counts: counts(1, 2), annotations: 3, result: 'FAILED' })]));
    expect(result.message).toBe('Open findings on the latest commit: 1 critical (at most 0), 2 high (at most 0).');
    expect(result.evidence).toMatchObject({ commit: HEAD, counts: counts(1, 2), limits: { critical: 0, high: 0 } });
  });

  it.each(FAILURES)('findings that cannot be read (%s) → not evaluable', (_name, kind, status) => {
    expect(checkRepository('BB-VULN-2', { securityFindings: failed(kind, status) }).outcome).toBe('not-evaluable');
  });
});

const variable = (key: string, secured: boolean | undefined): PipelineVariable => ({
  uuid: `{${key}}`,
  key,
  ...(secured === undefined ? {} : { secured }),
});
const production = (variables: PipelineVariable[]): EnvironmentVariables[] => [
  { environment: { uuid: '{env-prod}', name: 'Production', type: 'Production' }, variables },
];

describe('BB-CI-5 Secrets in Pipelines variables are secured', () => {
  it.each([
    ['no variables → pass', [], [], 'pass'],
    ['a secured token → pass', [variable('NPM_TOKEN', true)], [], 'pass'],
    ['an unsecured name that is not a secret → pass', [variable('NODE_ENV', false)], [], 'pass'],
    ['an unsecured AWS secret → fail', [variable('AWS_SECRET_ACCESS_KEY', false)], [], 'fail'],
    ['an unsecured password in the Production environment → fail', [], production([variable('DEPLOY_PASSWORD', false)]), 'fail'],
    ['a secret whose flag Bitbucket left out → not evaluable', [variable('API_TOKEN', undefined)], [], 'not-evaluable'],
  ] as const)('%s', (_name, repositoryVariables, environments, outcome) => {
    const data = { pipelineVariables: ok([...repositoryVariables]), deploymentVariables: ok([...environments]) };
    expect(checkRepository('BB-CI-5', data).outcome).toBe(outcome);
  });

  it('names each exposed variable and where it lives, and never a value', () => {
    const result = checkRepository('BB-CI-5', {
      pipelineVariables: ok([variable('AWS_SECRET_ACCESS_KEY', false)]),
      deploymentVariables: ok(production([variable('DEPLOY_PASSWORD', false)])),
    });
    expect(result.message).toBe('Not secured: AWS_SECRET_ACCESS_KEY (repository), DEPLOY_PASSWORD (Production environment).');
    expect(JSON.stringify(result)).not.toMatch(/"value"/);
  });

  it.each(FAILURES)('variables that cannot be read (%s) → not evaluable', (_name, kind, status) => {
    expect(checkRepository('BB-CI-5', { pipelineVariables: failed(kind, status) }).outcome).toBe('not-evaluable');
    expect(checkRepository('BB-CI-5', { deploymentVariables: failed(kind, status) }).outcome).toBe('not-evaluable');
  });

  it('an exposed secret fails even when the environments could not be read', () => {
    const data = {
      pipelineVariables: ok([variable('DB_PASSWORD', false)]),
      deploymentVariables: failed<EnvironmentVariables[]>('forbidden', 403),
    };
    expect(checkRepository('BB-CI-5', data).outcome).toBe('fail');
  });

  it('a list cut short with nothing exposed → not evaluable', () => {
    expect(checkRepository('BB-CI-5', { pipelineVariables: ok([variable('NPM_TOKEN', true)], true) }).outcome).toBe('not-evaluable');
  });

  it('the policy decides which words make a secret', () => {
    const data = { pipelineVariables: ok([variable('SENTRY_DSN', false)]) };
    expect(checkRepository('BB-CI-5', data).outcome).toBe('pass');
    expect(checkRepository('BB-CI-5', data, { policy: { secretVariableWords: ['DSN'] } }).outcome).toBe('fail');
  });
});

describe('BB-CI-6 Secrets in workspace Pipelines variables are secured', () => {
  it.each([
    ['none → pass', [], 'pass'],
    ['a secured token → pass', [variable('SONAR_TOKEN', true)], 'pass'],
    ['an unsecured password → fail', [variable('DOCKERHUB_PASSWORD', false)], 'fail'],
    ['a flag left out → not evaluable', [variable('SONAR_TOKEN', undefined)], 'not-evaluable'],
  ] as const)('%s', (_name, variables, outcome) => {
    expect(checkWorkspace('BB-CI-6', { workspaceVariables: ok([...variables]) }).outcome).toBe(outcome);
  });
  it('a 403 (not a workspace administrator) → not evaluable', () => {
    expect(checkWorkspace('BB-CI-6', { workspaceVariables: failed('forbidden', 403) }).outcome).toBe('not-evaluable');
  });
});

describe('secret-looking names', () => {
  it.each([
    ['AWS_SECRET_ACCESS_KEY', true],
    ['AWS_ACCESS_KEY_ID', true],
    ['npmToken', true],
    ['DB_PASSWORDS', true],
    ['GITHUB_PAT', false],
    ['KEYCLOAK_URL', false],
    ['MONKEY_MODE', false],
    ['NODE_ENV', false],
    ['SSH_PRIVATE_KEY', true],
    ['api.key', true],
  ] as const)('%s → %s', (name, expected) => {
    expect(looksSecret(name, DEFAULT_SECRET_VARIABLE_WORDS)).toBe(expected);
  });
});
