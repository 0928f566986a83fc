/**
 * Who sees what, for every resolver key × every UI module × four callers, against what Bitbucket lets each
 * of them see in the demo workspace (grants in local/emulator/seeds.ts, rules in local/emulator/access.ts):
 *
 * - Ada, a workspace owner: everything;
 * - Leslie, a member who reads only the Payments project (through the `payments` group) and public
 *   repositories: the workspace views, with rows, attention items, history and evidence of those only, and
 *   nothing that names people;
 * - Oscar, a member of another workspace only: nothing, not even the card of a public repository;
 * - no account (an anonymous view): nothing.
 *
 * A module's resolver defines only the keys its frontend calls; any other key is refused by @forge/resolver.
 */
import path from 'node:path';
import { SimClock } from '../../local/runtime/clock';
import { LocalForgeRuntime } from '../../local/runtime/runtime';
import { BitbucketEmulator } from '../../local/emulator/server';
import { DEMO_NOW, demoPolicy, demoSeed } from '../../local/emulator/seeds';
import { repositoryAccess } from '../../local/emulator/access';
import type { SeedInput } from '../../local/emulator/model';
import { Policy } from '../../src/policy/policy';
import { createStore } from '../../src/store/store';
import { MODULE_ROUTES } from '../../src/handlers/resolvers/ui-resolver';
import { APP_TOKEN, withPeople } from '../builders/credentials';

const ROOT = path.resolve(__dirname, '..', '..');
type Envelope = { ok: true; data: Record<string, unknown> } | { ok: false; error: { code: string; message: string } };

const MODULES: Record<keyof typeof MODULE_ROUTES, string> = {
  dashboard: 'compliance-dashboard',
  settings: 'compliance-settings',
  repositoryCard: 'repository-compliance-card',
  pullRequestCard: 'pull-request-compliance-card',
};

function seedWithOutsider(): SeedInput {
  const seed = demoSeed();
  const outsider = { uuid: '{0e0e0e0e-0000-4000-8000-00000000000e}', accountId: '557058:outsider-oscar', displayName: 'Oscar Outsider' };
  return {
    ...seed,
    users: [...(seed.users ?? []), outsider],
    workspaces: [
      ...seed.workspaces,
      {
        uuid: '{0e0e0e0e-1111-4000-8000-00000000000e}',
        slug: 'globex',
        name: 'Globex',
        members: [{ accountId: outsider.accountId, permission: 'owner' }],
        repositories: [],
      },
    ],
  };
}

describe('authorization matrix', () => {
  let emulator: BitbucketEmulator;
  let runtime: LocalForgeRuntime;
  let ws: BitbucketEmulator['seed']['workspaces'][number];
  let people: { admin: string; partial: string; outsider: string };

  beforeAll(async () => {
    const clock = new SimClock(DEMO_NOW);
    const { seed, users } = withPeople(seedWithOutsider());
    emulator = new BitbucketEmulator(seed, clock);
    await emulator.listen();
    runtime = new LocalForgeRuntime({ root: ROOT, bitbucketBaseUrl: emulator.url, auth: { app: `Bearer ${APP_TOKEN}`, users }, clock });
    ws = emulator.seed.workspaces[0]!;
    people = { admin: emulator.seed.users[0]!.accountId, partial: emulator.seed.users[9]!.accountId, outsider: '557058:outsider-oscar' };
    // An exception, so there is a reason and an approver to keep from non-administrators.
    const policy = Policy.parse(demoPolicy(emulator.seed));
    await runtime.withInstallation(ws.uuid, () => createStore().putPolicy(policy));
    await runtime.install(ws.uuid);
    await runtime.drainQueues();
  });
  afterAll(() => emulator.close());

  const uuid = (value: string) => value.replace(/[{}]/g, '');
  const readableBy = (accountId: string) =>
    new Set(ws.repositories.filter((repo) => repositoryAccess(ws, repo, accountId) !== 'none').map((repo) => uuid(repo.uuid)));
  const privateIn = (project: string) =>
    ws.repositories.find(
      (repo) => repo.projectKey === project && repo.isPrivate && repo.mainBranch !== null && repo.pullRequests.length > 0,
    )!;
  const publicRepo = () => ws.repositories.find((repo) => !repo.isPrivate)!;
  const call = (module: string, key: string, payload: unknown, accountId: string | undefined, extension: Record<string, unknown> = {}) =>
    runtime.resolve(module, key, payload, { workspaceUuid: ws.uuid, ...(accountId ? { accountId } : {}), extension }) as Promise<Envelope>;

  it('refuses, in every module, every key that module does not call', async () => {
    const all = new Set(Object.values(MODULE_ROUTES).flatMap((routes) => Object.keys(routes)));
    for (const [name, routes] of Object.entries(MODULE_ROUTES)) {
      for (const key of all) {
        if (key in routes) continue;
        await expect(call(MODULES[name as keyof typeof MODULES], key, {}, people.admin)).rejects.toThrow(`no definition for '${key}'`);
      }
    }
  });

  const WORKSPACE_VIEWS: Array<[string, string, unknown]> = [
    ['compliance-dashboard', 'dashboard/get', {}],
    ['compliance-dashboard', 'dashboard/repositories', {}],
    ['compliance-dashboard', 'evidence/get', { since: '2026-07-01', until: '2026-11-23' }],
    ['compliance-dashboard', 'evidence/verify', {}],
    ['compliance-dashboard', 'evidence/download', { since: '2026-07-01', until: '2026-11-23', format: 'csv' }],
    ['compliance-settings', 'policy/get', {}],
  ];

  it.each(WORKSPACE_VIEWS)('%s %s: a member of another workspace and an anonymous caller get FORBIDDEN', async (module, key, payload) => {
    for (const who of [people.outsider, undefined]) {
      expect(await call(module, key, payload, who)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
  });

  it('dashboard/repositories: each member gets exactly the rows of the repositories Bitbucket lets them read', async () => {
    for (const who of [people.admin, people.partial]) {
      const answer = await call('compliance-dashboard', 'dashboard/repositories', {}, who);
      if (!answer.ok) throw new Error(answer.error.message);
      const rows = answer.data.repositories as Array<{ uuid: string }>;
      expect(new Set(rows.map((row) => row.uuid))).toEqual(readableBy(who));
    }
    expect(readableBy(people.partial).size).toBeLessThan(ws.repositories.length);
  });

  it('dashboard/get: history and attention items only of readable repositories; exception reasons only for administrators', async () => {
    const admin = await call('compliance-dashboard', 'dashboard/get', {}, people.admin);
    const partial = await call('compliance-dashboard', 'dashboard/get', {}, people.partial);
    if (!admin.ok || !partial.ok) throw new Error('dashboard refused a member');
    type Attention = {
      notEvaluable: Array<{ subjectUuid: string | null }>;
      excepted: Array<{ subjectUuid: string | null; reason: string }>;
      advisory: Array<{ subjectUuid: string | null }>;
    };
    const attentionOf = (answer: typeof admin) => (answer.data.summary as { attention: Attention }).attention;
    const readable = readableBy(people.partial);
    const items = (attention: Attention) => [...attention.notEvaluable, ...attention.excepted, ...attention.advisory];
    expect(items(attentionOf(partial)).every((item) => item.subjectUuid === null || readable.has(item.subjectUuid))).toBe(true);
    expect(items(attentionOf(admin)).length).toBeGreaterThan(items(attentionOf(partial)).length);
    expect(attentionOf(admin).excepted.some((item) => item.reason === 'Visible to workspace administrators')).toBe(false);
    expect(attentionOf(partial).excepted.every((item) => item.reason === 'Visible to workspace administrators')).toBe(true);
    const history = partial.data.history as Array<{ subject: string }>;
    expect(history.every((entry) => entry.subject === 'workspace' || readable.has(entry.subject))).toBe(true);
  });

  it('evidence/get: rows and counts only of readable repositories', async () => {
    const payload = { since: '2026-07-01', until: '2026-11-23' };
    const admin = await call('compliance-dashboard', 'evidence/get', payload, people.admin);
    const partial = await call('compliance-dashboard', 'evidence/get', payload, people.partial);
    if (!admin.ok || !partial.ok) throw new Error('evidence refused a member');
    const readable = readableBy(people.partial);
    expect((partial.data.nonCompliant as Array<{ repositoryUuid: string }>).every((row) => readable.has(row.repositoryUuid))).toBe(true);
    expect(partial.data.merged as number).toBeLessThan(admin.data.merged as number);
    const csvRows = String(partial.data.csv).trim().split('\n').slice(1);
    expect(csvRows.length).toBe(partial.data.merged);
  });

  it('policy/get: the rules for members; who is excepted and why, attestations, service accounts and the offboarded list for administrators', async () => {
    const admin = await call('compliance-settings', 'policy/get', {}, people.admin);
    const partial = await call('compliance-settings', 'policy/get', {}, people.partial);
    if (!admin.ok || !partial.ok) throw new Error('policy refused a member');
    const adminPolicy = admin.data.policy as { exceptions: unknown[]; offboarded: unknown[] | null };
    expect(adminPolicy.exceptions.length).toBeGreaterThan(0);
    expect(adminPolicy.offboarded?.length).toBeGreaterThan(0);
    expect(admin.data.redacted).toBe(false);
    expect(partial.data).toMatchObject({
      redacted: true,
      policy: { exceptions: [], attestations: [], serviceAccounts: [], offboarded: null },
    });
  });

  // [module, key, repository of the extension, who, expected]
  const REPOSITORIES = {
    'a private Payments repository': () => privateIn('PAY'),
    'a private Core repository': () => privateIn('CORE'),
    'a public repository': publicRepo,
  };
  const CARDS: Array<[string, string, keyof typeof REPOSITORIES, keyof typeof people | 'anonymous', 'ok' | 'FORBIDDEN']> = [
    ['repository-compliance-card', 'repository/get', 'a private Payments repository', 'partial', 'ok'],
    ['repository-compliance-card', 'repository/get', 'a private Core repository', 'partial', 'FORBIDDEN'],
    ['repository-compliance-card', 'repository/get', 'a private Core repository', 'admin', 'ok'],
    ['repository-compliance-card', 'repository/get', 'a public repository', 'outsider', 'FORBIDDEN'],
    ['repository-compliance-card', 'repository/get', 'a public repository', 'anonymous', 'FORBIDDEN'],
    ['compliance-dashboard', 'repository/get', 'a private Core repository', 'partial', 'FORBIDDEN'],
    ['compliance-dashboard', 'repository/get', 'a private Payments repository', 'partial', 'ok'],
    ['pull-request-compliance-card', 'pull-request/get', 'a private Payments repository', 'partial', 'ok'],
    ['pull-request-compliance-card', 'pull-request/get', 'a private Core repository', 'partial', 'FORBIDDEN'],
    ['pull-request-compliance-card', 'pull-request/get', 'a public repository', 'outsider', 'FORBIDDEN'],
  ];

  it.each(CARDS)('%s %s on %s as %s: %s', async (module, key, repository, who, expected) => {
    const repo = REPOSITORIES[repository]();
    const accountId = who === 'anonymous' ? undefined : people[who];
    const extension = { repository: { uuid: repo.uuid }, pullRequest: { id: repo.pullRequests[0]?.id ?? 1 } };
    const answer = await call(module, key, {}, accountId, extension);
    if (expected === 'ok') expect(answer).toMatchObject({ ok: true });
    else expect(answer).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});
