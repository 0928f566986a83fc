/**
 * `attest metrics` against the demo workspace on the emulator: the table people read, one CSV line per repository,
 * and clear refusals of bad flags. (That its figures are the Delivery tab's is test/e2e/delivery-metrics.test.ts.)
 */
import { runMetricsCommand } from '../../local/cli/metrics-command';
import { DEMO_NOW } from '../../local/emulator/seeds';
import { startSandbox } from '../engine/sandbox';
import { runInProcess } from '../builders/cli';

const cli = (args: string[], env?: NodeJS.ProcessEnv) => runInProcess(runMetricsCommand, args, env);

describe('attest metrics', () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  beforeEach(async () => {
    sandbox = await startSandbox();
  });
  afterEach(() => sandbox.emulator.close());
  const base = () => ['--workspace', 'acme', '--base-url', sandbox.emulator.url, '--until', new Date(DEMO_NOW).toISOString()];

  it('prints the workspace’s figures and a line per repository as a table', async () => {
    const result = await cli(base());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Delivery metrics for acme, 12 weeks from \d{4}-\d\d-\d\d/);
    for (const words of [
      'Time to first review',
      'Open → merge',
      'Deployments to production',
      'Change failure rate',
      'BB-FLOW-1 (advisory)',
    ])
      expect(result.stdout).toContain(words);
    const ws = sandbox.emulator.seed.workspaces[0]!;
    for (const repo of ws.repositories) expect(result.stdout).toContain(repo.slug);
  });

  it('prints one CSV line per repository, durations in minutes', async () => {
    const result = await cli([...base(), '--since', '2026-10-01', '--format', 'csv']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'repository,project,deployments_read,opened,merged,mergedProtected,declined,independentShare,firstReviewMedian,approvalMedian,cycleMedian,cycleP85,rubberStamps,deployments,changeFailureRate,leadTimeMedian,restoreMedian',
    );
    expect(lines).toHaveLength(sandbox.emulator.seed.workspaces[0]!.repositories.length + 1);
  });

  it.each([
    [['--since', 'last week'], '--since must be a date (YYYY-MM-DD) or an ISO 8601 instant'],
    [['--since', '2026-01-01'], '--since: at most 25 weeks before --until'],
    [['--since', '2026-12-31'], '--since: must be before --until'],
  ])('refuses %j: %s', async (flags, message) => {
    const result = await cli([...base(), ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('asks for credentials from the environment', async () => {
    const result = await cli(base(), {});
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 2, stderr: expect.stringContaining('no credentials') });
  });
});
