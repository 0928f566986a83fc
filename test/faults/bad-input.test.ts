/**
 * Bad input: event and merge-check payloads that are malformed, of unknown kinds, or with UUIDs without
 * braces are handled or ignored with a logged reason, never a crash; hostile strings from Bitbucket are
 * shown as text in every output (CSV without formula injection, escaped HTML, valid JSON and SARIF).
 */
import path from 'node:path';
import { SimClock } from '../../local/runtime/clock';
import { LocalForgeRuntime } from '../../local/runtime/runtime';
import { BitbucketEmulator } from '../../local/emulator/server';
import { DEMO_NOW, demoSeed } from '../../local/emulator/seeds';
import { Seed } from '../../local/emulator/model';
import { evidenceCsv } from '../../src/report/evidence';
import { toCsv, toSarif, toTable } from '../../src/report/formats';
import { htmlReport } from '../../src/report/html';
import { reportFromStore } from '../../src/report/from-store';
import { Policy } from '../../src/policy/policy';
import { createStore } from '../../src/store/store';

const ROOT = path.resolve(__dirname, '..', '..');
const HOSTILE_TITLE = '=HYPERLINK("http://evil.example","click") <script>alert(1)</script> \u202etxt.exe';

async function sandbox() {
  const seed = Seed.parse(demoSeed());
  const ws = seed.workspaces[0]!;
  const repo = ws.repositories.find((candidate) => candidate.slug === 'ledger')!;
  repo.name = '<img src=x onerror=alert(1)>\u0007ledger';
  const clock = new SimClock(DEMO_NOW);
  const emulator = new BitbucketEmulator(seed, clock);
  await emulator.listen();
  const runtime = new LocalForgeRuntime({ root: ROOT, bitbucketBaseUrl: emulator.url, auth: { app: 'Bearer bad-input' }, clock });
  emulator.onEvent((event) => runtime.emit(event));
  return { emulator, runtime, ws: emulator.seed.workspaces[0]!, clock };
}

describe('bad input', () => {
  let s: Awaited<ReturnType<typeof sandbox>>;
  beforeAll(async () => {
    s = await sandbox();
    await s.runtime.install(s.ws.uuid);
    await s.runtime.drainQueues();
  });
  afterAll(() => s.emulator.close());

  const ws = () => s.ws.uuid;
  const repo = () => s.ws.repositories.find((candidate) => candidate.slug === 'ledger')!.uuid;

  it.each([
    ['a repository event without a repository', () => ({ eventType: 'avi:bitbucket:updated:repository', workspace: { uuid: ws() } })],
    [
      'a pull-request event without a pull request',
      () => ({ eventType: 'avi:bitbucket:fulfilled:pullrequest', workspace: { uuid: ws() }, repository: { uuid: repo() } }),
    ],
    [
      'UUIDs without braces',
      () => ({
        eventType: 'avi:bitbucket:updated:repository',
        workspace: { uuid: ws().replace(/[{}]/g, '') },
        repository: { uuid: repo().replace(/[{}]/g, '') },
      }),
    ],
    [
      'a pull-request id that is not a number',
      () => ({
        eventType: 'avi:bitbucket:updated:pullrequest',
        workspace: { uuid: ws() },
        repository: { uuid: repo() },
        pullrequest: { id: 'seven' },
      }),
    ],
    [
      'a build status without a commit',
      () => ({
        eventType: 'avi:bitbucket:created:build-status',
        workspace: { uuid: ws() },
        repository: { uuid: repo() },
        buildStatus: { key: 'ci' },
      }),
    ],
  ])('%s is ignored with a logged reason, not a crash', async (_name, build) => {
    const before = JSON.stringify(s.runtime.installation(ws()).kvs.dump());
    const records = await s.runtime.emit(build(), ws());
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((record) => record.outcome === 'ok')).toBe(true);
    expect(JSON.stringify(s.runtime.installation(ws()).kvs.dump())).toBe(before);
    expect(s.runtime.pendingEvents()).toBe(0);
  });

  it('an event name no trigger subscribes to invokes nothing', async () => {
    expect(await s.runtime.emit({ eventType: 'avi:bitbucket:created:commit-comment', workspace: { uuid: ws() } })).toEqual([]);
  });

  it.each([
    ['no pull request', () => ({ workspace: { uuid: ws() }, repository: { uuid: repo() }, trigger: { type: 'on-merge' } })],
    [
      'UUIDs without braces',
      () => ({
        workspace: { uuid: ws().replace(/[{}]/g, '') },
        repository: { uuid: repo().replace(/[{}]/g, '') },
        pullrequest: { id: 1 },
        trigger: { type: 'on-merge' },
      }),
    ],
  ])('a merge-check payload with %s blocks with a message and never throws', async (_name, build) => {
    const { record, result } = await s.runtime.invoke(
      { functionKey: 'merge-check-fn', module: 'bitbucket:mergeCheck', installation: s.runtime.installation(ws()) },
      build(),
    );
    expect(record.outcome).toBe('ok');
    expect(result).toEqual({ success: false, message: expect.stringContaining('could not read the merge-check request') });
  });

  it('shows hostile strings as text in CSV, HTML, SARIF and the terminal table', async () => {
    const [ada, grace] = s.emulator.seed.users;
    const { pullRequestId } = await s.emulator.mutate({
      type: 'open-pull-request',
      workspace: 'acme',
      repository: 'ledger',
      title: HOSTILE_TITLE,
      authorId: ada!.accountId,
      sourceBranch: 'feature/=cmd',
      sourceCommit: '9'.repeat(40),
    });
    await s.emulator.mutate({
      type: 'review',
      workspace: 'acme',
      repository: 'ledger',
      pullRequestId: pullRequestId!,
      accountId: grace!.accountId,
      decision: 'approve',
    });
    await s.emulator.mutate({
      type: 'merge-pull-request',
      workspace: 'acme',
      repository: 'ledger',
      pullRequestId: pullRequestId!,
      accountId: ada!.accountId,
    });
    await s.runtime.drainQueues();
    const { report, evidence } = await s.runtime.withInstallation(ws(), async () => {
      const store = createStore();
      return {
        report: await reportFromStore(store, {
          workspace: { slug: 'acme', uuid: ws() },
          policy: Policy.parse({}),
          generatedAt: new Date(DEMO_NOW),
          version: 'test',
          requests: 0,
        }),
        evidence: await store.listEvidenceBetween(new Date(DEMO_NOW - 86_400_000), new Date(DEMO_NOW + 86_400_000)),
      };
    });
    const hostile = evidence.find((record) => record.pullRequestId === pullRequestId)!;
    expect(hostile.title).toBe(HOSTILE_TITLE);
    const csv = evidenceCsv([hostile]);
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""click"") <script>`);
    expect(
      csv
        .split('\r\n')[1]!
        .split(',')
        .every((cell) => !/^[=+\-@]/.test(cell)),
    ).toBe(true);
    const html = htmlReport(report, [hostile], [], { since: 'a', until: 'b' });
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const sarif = JSON.parse(toSarif(report)) as { version: string };
    expect(sarif.version).toBe('2.1.0');
    expect(toCsv(report)).not.toMatch(/(^|,)=/m);
    const table = toTable({ ...report, repositories: report.repositories.map((r) => ({ ...r, slug: `${r.slug}\u202e\u001b[2J` })) }, false);
    expect(table.includes('\u202e') || table.includes('\u001b')).toBe(false);
  });
});
