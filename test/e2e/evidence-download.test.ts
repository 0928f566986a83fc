/**
 * Evidence downloads: the dashboard's resolver grants a one-time link, the web trigger serves the file.
 * Through the real @forge/api `webTrigger.getUrl` (its GraphQL mutation, answered by the local runtime) and a
 * call to the URL, as a browser tab would make it. The link is decided as the user: a member who reads only
 * some repositories gets only their rows; it works once, for 10 minutes; a made-up token gets nothing.
 */
import path from 'node:path';
import { SimClock } from '../../local/runtime/clock';
import { LocalForgeRuntime } from '../../local/runtime/runtime';
import { BitbucketEmulator } from '../../local/emulator/server';
import { DEMO_NOW, demoPolicy, demoSeed } from '../../local/emulator/seeds';
import { repositoryAccess } from '../../local/emulator/access';
import { Policy } from '../../src/policy/policy';
import { createStore } from '../../src/store/store';
import { EVIDENCE_COLUMNS } from '../../src/report/evidence';
import { APP_TOKEN, withPeople } from '../builders/credentials';

const ROOT = path.resolve(__dirname, '..', '..');
type Envelope<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };
type Link = { url: string; expiresAt: string; filename: string };

describe('evidence downloads', () => {
  let emulator: BitbucketEmulator;
  let runtime: LocalForgeRuntime;
  let clock: SimClock;
  let ws: BitbucketEmulator['seed']['workspaces'][number];
  let people: { admin: string; partial: string };
  const period = { since: '2026-07-01', until: '2026-11-23' };

  beforeAll(async () => {
    clock = new SimClock(DEMO_NOW);
    const { seed, users } = withPeople(demoSeed());
    emulator = new BitbucketEmulator(seed, clock);
    await emulator.listen();
    runtime = new LocalForgeRuntime({ root: ROOT, bitbucketBaseUrl: emulator.url, auth: { app: `Bearer ${APP_TOKEN}`, users }, clock });
    ws = emulator.seed.workspaces[0]!;
    people = { admin: emulator.seed.users[0]!.accountId, partial: emulator.seed.users[9]!.accountId };
    await runtime.withInstallation(ws.uuid, () => createStore().putPolicy(Policy.parse(demoPolicy(emulator.seed))));
    await runtime.install(ws.uuid);
    await runtime.drainQueues();
  });
  afterAll(() => emulator.close());

  const grant = async (accountId: string, format: string, dates = period) => {
    const answer = (await runtime.resolve(
      'compliance-dashboard',
      'evidence/download',
      { ...dates, format },
      { workspaceUuid: ws.uuid, accountId },
    )) as Envelope<Link>;
    if (!answer.ok) throw new Error(`no link: ${answer.error.message}`);
    return answer.data;
  };
  const header = (answer: { headers?: Record<string, string[]> }, name: string) => answer.headers?.[name]?.[0] ?? '';
  const uuid = (value: string) => value.replace(/[{}]/g, '');

  it('serves the CSV as an attachment named for the workspace and period, once', async () => {
    const link = await grant(people.admin, 'csv');
    expect(link.filename).toBe('attest-evidence-acme-2026-07-01-to-2026-11-23.csv');
    const first = await runtime.callWebTrigger(link.url);
    expect(first.statusCode).toBe(200);
    expect(header(first, 'Content-Type')).toBe('text/csv; charset=utf-8');
    expect(header(first, 'Content-Disposition')).toBe(`attachment; filename="${link.filename}"`);
    expect(header(first, 'Cache-Control')).toBe('no-store');
    const [head, ...rows] = (first.body ?? '').trim().split('\r\n');
    expect(head).toBe(EVIDENCE_COLUMNS.join(','));
    const inLedger = await runtime.withInstallation(ws.uuid, () =>
      createStore().listEvidenceBetween(new Date(`${period.since}T00:00:00Z`), new Date(`${period.until}T00:00:00Z`)),
    );
    expect(rows).toHaveLength(inLedger.length);
    expect(inLedger.length).toBeGreaterThan(0);
    const again = await runtime.callWebTrigger(link.url);
    expect(again.statusCode).toBe(404);
    expect(again.body).toContain('expired or was already used');
  });

  it('a member who reads only some repositories gets only their rows, in every format', async () => {
    const readable = new Set(
      ws.repositories.filter((repo) => repositoryAccess(ws, repo, people.partial) !== 'none').map((repo) => uuid(repo.uuid)),
    );
    const json = await runtime.callWebTrigger((await grant(people.partial, 'json')).url);
    const body = JSON.parse(json.body ?? '{}') as {
      records: Array<{ repositoryUuid: string; chain: unknown }>;
      workspace: { slug: string };
      chainHeads: unknown[];
    };
    expect(body.workspace.slug).toBe('acme');
    expect(body.records.length).toBeGreaterThan(0);
    expect(body.records.every((record) => readable.has(record.repositoryUuid))).toBe(true);
    expect(body.records.every((record) => record.chain !== null)).toBe(true);
    const adminJson = JSON.parse((await runtime.callWebTrigger((await grant(people.admin, 'json')).url)).body ?? '{}') as {
      records: unknown[];
    };
    expect(body.records.length).toBeLessThan(adminJson.records.length);
  });

  it('findings: every result of the repositories the person can read, as the attest scan CSV and JSON, once', async () => {
    const findings = async (accountId: string, format: 'csv' | 'json') => {
      const answer = (await runtime.resolve(
        'compliance-dashboard',
        'findings/download',
        { format },
        { workspaceUuid: ws.uuid, accountId },
      )) as Envelope<Link>;
      if (!answer.ok) throw new Error(`no link: ${answer.error.message}`);
      return answer.data;
    };
    const link = await findings(people.admin, 'json');
    expect(link.filename).toMatch(/^attest-findings-acme-\d{4}-\d{2}-\d{2}\.json$/);
    const all = await runtime.callWebTrigger(link.url);
    expect(all.statusCode).toBe(200);
    expect(header(all, 'Content-Disposition')).toBe(`attachment; filename="${link.filename}"`);
    const report = JSON.parse(all.body ?? '{}') as { schemaVersion: number; repositories: Array<{ uuid: string; results: unknown[] }> };
    expect(report.schemaVersion).toBe(1);
    expect(report.repositories).toHaveLength(ws.repositories.length);
    expect(report.repositories.every((repository) => repository.results.length > 0)).toBe(true);
    expect((await runtime.callWebTrigger(link.url)).statusCode).toBe(404);
    // A member who reads some repositories gets those only.
    const readable = new Set(
      ws.repositories.filter((repo) => repositoryAccess(ws, repo, people.partial) !== 'none').map((repo) => uuid(repo.uuid)),
    );
    const partial = JSON.parse((await runtime.callWebTrigger((await findings(people.partial, 'json')).url)).body ?? '{}') as typeof report;
    expect(partial.repositories.length).toBe(readable.size);
    expect(partial.repositories.every((repository) => readable.has(uuid(repository.uuid)))).toBe(true);
    const csv = await runtime.callWebTrigger((await findings(people.partial, 'csv')).url);
    expect(header(csv, 'Content-Type')).toMatch(/^text\/csv/);
    const lines = (csv.body ?? '').trim().split(/\r?\n/);
    expect(lines.length).toBeGreaterThan(readable.size);
  });

  it('the one-page summary: counts, the non-compliant pull requests with why, exceptions and approvers, escaped', async () => {
    const link = await grant(people.admin, 'summary');
    const page = await runtime.callWebTrigger(link.url);
    expect(page.statusCode).toBe(200);
    expect(header(page, 'Content-Type')).toBe('text/html; charset=utf-8');
    const html = page.body ?? '';
    expect(html).toMatch(/<span class="figure">\d+<\/span> merged/);
    expect(html).toContain('Why it is not compliant');
    expect(html).toMatch(/no approval from anyone but the author|the last build did not pass|no build reported/);
    expect(html).toContain('Who approved the changes');
    expect(html).not.toMatch(/<script/i);
  });

  it('expires after 10 minutes; a made-up or malformed token gets nothing', async () => {
    const link = await grant(people.admin, 'csv');
    clock.advance(11 * 60_000);
    expect((await runtime.callWebTrigger(link.url)).statusCode).toBe(404);
    const forged = new URL(link.url);
    forged.searchParams.set('token', 'A'.repeat(43));
    expect((await runtime.callWebTrigger(forged.toString())).statusCode).toBe(404);
    forged.searchParams.set('token', '../../v1:policy');
    expect((await runtime.callWebTrigger(forged.toString())).body).toContain('not valid');
    forged.searchParams.delete('token');
    expect((await runtime.callWebTrigger(forged.toString())).statusCode).toBe(404);
    expect((await runtime.callWebTrigger(link.url, { method: 'POST' })).statusCode).toBe(405);
  });

  it('refuses a period that ends before it starts, naming the field', async () => {
    const answer = (await runtime.resolve(
      'compliance-dashboard',
      'evidence/download',
      { since: '2026-09-01', until: '2026-07-01', format: 'csv' },
      { workspaceUuid: ws.uuid, accountId: people.admin },
    )) as Envelope<Link>;
    expect(answer).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringContaining('until') } });
  });
});
