/** `attest render`: a module's ForgeDoc tree over the demo state, as JSON or an outline. */
import { runAttest } from '../builders/cli';

const run = runAttest;

describe('attest render', () => {
  it('prints the dashboard as an outline', async () => {
    const result = await run(['render', 'dashboard', '--outline']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Root\n/);
    expect(result.stdout).toContain('Tabs');
    expect(result.stdout).toContain('"Workspace compliance"');
  }, 60_000);

  it('prints a pull-request card as ForgeDoc JSON', async () => {
    const result = await run(['render', 'pull-request-card', '--repository', 'ledger']);
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout) as { type: string; children: unknown[] };
    expect(doc.type).toBe('Root');
    expect(result.stdout).toContain('Lozenge');
  }, 60_000);

  it('exits 2 naming the modules when the module is unknown, or the repository when it does not exist', async () => {
    expect(await run(['render', 'nope'])).toMatchObject({
      code: 2,
      stderr:
        "attest: command-argument value 'nope' is invalid for argument 'module'. Allowed choices are dashboard, settings, repository-card, pull-request-card.\n",
    });
    expect(await run(['render', 'repository-card', '--repository', 'missing'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--repository: no repository missing'),
    });
  }, 60_000);
});
