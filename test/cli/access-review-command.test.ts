/**
 * `attest access-review snapshot` against the demo workspace on the emulator: every member, grant and deploy key,
 * as JSON or CSV, limited to projects when asked; refused reads are named as gaps with exit 3, never left out.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAccessReviewCommand } from '../../local/cli/access-review-command';
import { startSandbox } from '../engine/sandbox';
import { runInProcess } from '../builders/cli';

const cli = (args: string[], env?: NodeJS.ProcessEnv) => runInProcess(runAccessReviewCommand, args, env);

describe('attest access-review snapshot', () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attest-access-'));
  beforeEach(async () => {
    sandbox = await startSandbox();
  });
  afterEach(() => sandbox.emulator.close());
  const base = () => ['snapshot', '--workspace', 'acme', '--base-url', sandbox.emulator.url, '--state-dir', path.join(dir, 's')];

  it('prints every member, grant and deploy key as JSON, and costs three requests a repository and a project', async () => {
    const ws = sandbox.emulator.seed.workspaces[0]!;
    const result = await cli([...base(), '--format', 'json']);
    expect(result.code).toBe(0);
    const snapshot = JSON.parse(result.stdout) as {
      items: Array<{ kind: string; subject: { name: string } }>;
      gaps: unknown[];
      repositories: number;
    };
    expect(snapshot.gaps).toEqual([]);
    expect(snapshot.repositories).toBe(ws.repositories.length);
    expect(snapshot.items.filter((item) => item.kind === 'member')).toHaveLength(ws.members.length);
    const keys = [...ws.repositories.flatMap((repo) => repo.deployKeys), ...ws.projects.flatMap((project) => project.deployKeys)];
    expect(snapshot.items.filter((item) => item.kind === 'deploy-key')).toHaveLength(keys.length);
    const grants = sandbox.emulator.log.filter((entry) => /permissions-config|deploy-keys/.test(entry.path)).length;
    expect(grants).toBe(3 * (ws.repositories.length + ws.projects.length));
  });

  it('prints CSV with the validity rules’ suggestions, for the projects asked', async () => {
    const result = await cli([...base(), '--projects', 'PAY']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^kind,subject,account_id,group,key_id,permission,scope,target,project/);
    const targets = lines.slice(1).filter((line) => !line.startsWith('member,'));
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.every((line) => line.includes(',PAY,'))).toBe(true);
  });

  it('names what it could not read and exits 3, never leaving it out silently', async () => {
    sandbox.emulator.addFault({ path: '/deploy-keys$', kind: 'status', status: 403 });
    const result = await cli([...base(), '--format', 'json']);
    expect(result.code).toBe(3);
    expect((JSON.parse(result.stdout) as { gaps: Array<{ reason: string }> }).gaps[0]?.reason).toMatch(/^403/);
  });

  it('refuses without credentials, and an export without --id, naming what is wrong', async () => {
    expect(await cli(base(), {})).toMatchObject({ code: 2, stderr: expect.stringMatching(/no credentials/) });
    expect(await cli(['export', '--workspace', 'acme', '--base-url', sandbox.emulator.url])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--id is required/),
    });
  });
});
