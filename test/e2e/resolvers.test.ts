/**
 * Resolver authorization and validation: every mutating resolver refuses a non-administrator (asked of
 * Bitbucket as that user) and leaves the store unchanged; an administrator's change is validated, saved
 * and recorded in the history with their account id; bad input is INVALID_INPUT naming the field.
 */
import path from 'node:path';
import { SimClock } from '../../local/runtime/clock';
import { LocalForgeRuntime } from '../../local/runtime/runtime';
import { BitbucketEmulator } from '../../local/emulator/server';
import { DEMO_NOW, demoSeed } from '../../local/emulator/seeds';
import { APP_TOKEN, withPeople } from '../builders/credentials';
import { itemId } from '../../src/policy/policy';
import { createStore } from '../../src/store/store';

const ROOT = path.resolve(__dirname, '..', '..');
type Envelope = { ok: true; data: Record<string, unknown> } | { ok: false; error: { code: string; message: string } };

describe('resolvers', () => {
  let emulator: BitbucketEmulator;
  let runtime: LocalForgeRuntime;
  let clock: SimClock;
  let workspaceUuid: string;
  let admin: string;
  let member: string;
  let outsider: string;
  const state = () =>
    Object.fromEntries(Object.entries(runtime.installation(workspaceUuid).kvs.dump()).filter(([key]) => !key.startsWith('v1:hist:')));
  // Each key through the module that calls it: a module's resolver defines only its own keys.
  const moduleOf = (key: string) =>
    key === 'scan/now' ? 'compliance-dashboard' : key === 'repository/recheck' ? 'repository-compliance-card' : 'compliance-settings';
  const call = (key: string, payload: unknown, accountId: string, extension: Record<string, unknown> = {}) =>
    runtime.resolve(moduleOf(key), key, payload, { workspaceUuid, accountId, extension }) as Promise<Envelope>;

  beforeEach(async () => {
    clock = new SimClock(DEMO_NOW);
    const { seed, users } = withPeople(demoSeed());
    emulator = new BitbucketEmulator(seed, clock);
    await emulator.listen();
    runtime = new LocalForgeRuntime({
      root: ROOT,
      bitbucketBaseUrl: emulator.url,
      auth: { app: `Bearer ${APP_TOKEN}`, users: { ...users, 'outsider-1': 'Bearer outsider' } },
      clock,
    });
    workspaceUuid = emulator.seed.workspaces[0]!.uuid;
    admin = emulator.seed.users[0]!.accountId; // Ada: a workspace owner
    member = emulator.seed.users[4]!.accountId; // Barbara: a collaborator
    outsider = 'outsider-1';
    await runtime.install(workspaceUuid);
    await runtime.drainQueues();
  });
  afterEach(() => emulator.close());

  const MUTATIONS: Array<[string, unknown]> = [
    ['policy/update', { minApprovals: 2 }],
    ['exceptions/add', { control: 'BB-REPO-2', repository: 'marketing-site', reason: 'Public by design', expiresOn: '2027-06-30' }],
    ['exceptions/revoke', { id: '0123456789abcdef' }],
    ['attestations/add', { control: 'BB-MFA-2', statement: 'Enforced through the identity provider', expiresOn: '2027-06-30' }],
    ['attestations/revoke', { id: '0123456789abcdef' }],
    ['offboarded/set', { csv: 'accountId,name\n557058:1-gone,Former Person' }],
    ['scan/now', {}],
  ];

  it.each(MUTATIONS)('%s: a non-administrator gets FORBIDDEN and nothing changes', async (key, payload) => {
    const before = state();
    const pending = runtime.pendingEvents();
    for (const who of [member, outsider]) {
      const answer = await call(key, payload, who);
      expect(answer).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: expect.any(String) } });
    }
    expect(state()).toEqual(before);
    expect(runtime.pendingEvents()).toBe(pending);
  });

  it('an administrator’s policy change is validated, saved and recorded with their account id', async () => {
    const answer = await call('policy/update', { minApprovals: 2, mergeCheckOnError: 'allow' }, admin);
    expect(answer).toMatchObject({ ok: true, data: { policy: { minApprovals: 2, mergeCheckOnError: 'allow' } } });
    const history = Object.entries(runtime.installation(workspaceUuid).kvs.dump())
      .filter(([key]) => key.startsWith('v1:hist:'))
      .map(([, value]) => value as { actor: string; cause: string });
    expect(history).toContainEqual(expect.objectContaining({ actor: admin, cause: 'policy updated: mergeCheckOnError, minApprovals' }));
    expect((await call('policy/get', {}, member)) as Envelope).toMatchObject({ ok: true, data: { policy: { minApprovals: 2 } } });
  });

  it('an administrator adds and revokes an exception and an attestation; both are attributed to them', async () => {
    expect(
      await call(
        'exceptions/add',
        { control: 'BB-REPO-2', repository: 'marketing-site', reason: 'Public by design', expiresOn: '2027-06-30' },
        admin,
      ),
    ).toMatchObject({
      ok: true,
      data: { policy: { exceptions: [{ control: 'BB-REPO-2', repository: 'marketing-site', approvedBy: admin }] } },
    });
    expect(
      await call(
        'attestations/add',
        { control: 'BB-MFA-2', statement: 'Okta enforces it', evidenceUrl: 'https://example.com/okta', expiresOn: '2027-06-30' },
        admin,
      ),
    ).toMatchObject({
      ok: true,
      data: { policy: { attestations: [{ control: 'BB-MFA-2', attestedBy: admin }] } },
    });
    // Revoked by id: another administrator's addition in between cannot shift which one goes.
    const policy = await runtime.withInstallation(workspaceUuid, () => createStore().getPolicy());
    const added = policy.exceptions.find(
      (exception) => exception.repository === 'marketing-site' && exception.reason === 'Public by design',
    )!;
    await call(
      'exceptions/add',
      { control: 'BB-CR-4', repository: 'checkout-web', reason: 'Added meanwhile', expiresOn: '2027-06-30' },
      admin,
    );
    expect(await call('exceptions/revoke', { id: itemId(added) }, admin)).toMatchObject({
      ok: true,
      data: { policy: { exceptions: [{ reason: 'Added meanwhile' }] } },
    });
    expect(await call('exceptions/revoke', { id: itemId(added) }, admin)).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'id: no such exception (revoked already, or changed by someone else)' },
    });
    expect(await call('attestations/revoke', { id: 'ffffffffffffffff' }, admin)).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'id: no such attestation (revoked already, or changed by someone else)' },
    });
  });

  it.each([
    ['policy/update', { minApprovals: 'two' }, 'minApprovals'],
    ['policy/update', { minApprovals: 11 }, 'minApprovals'],
    ['policy/update', { nonsense: true }, 'nonsense'],
    ['policy/update', { disabledControls: ['BB-NOPE-9'] }, 'disabledControls'],
    ['policy/update', { issueKeyPattern: '([' }, 'issueKeyPattern'],
    ['policy/update', { securityScanners: Array.from({ length: 101 }, (_, i) => `s${i}`) }, 'securityScanners'],
    ['policy/update', { serviceAccounts: ['not an id!'] }, 'serviceAccounts'],
    ['exceptions/add', { control: 'BB-REPO-2', repository: 'x', reason: 'r', expiresOn: '2020-01-01' }, 'expiresOn'],
    ['exceptions/add', { control: 'BB-UNKNOWN-1', repository: 'x', reason: 'r', expiresOn: '2027-01-01' }, 'control'],
    ['exceptions/add', { control: 'BB-REPO-2', repository: 'x', expiresOn: '2027-01-01' }, 'reason'],
    ['exceptions/add', { control: 'BB-REPO-2', repository: 'x', reason: 'r'.repeat(2001), expiresOn: '2027-01-01' }, 'reason'],
    ['attestations/add', { control: 'BB-BP-1', statement: 's', expiresOn: '2027-01-01' }, 'control'],
    ['attestations/add', { control: 'BB-MFA-1', statement: 's', evidenceUrl: 'not a url', expiresOn: '2027-01-01' }, 'evidenceUrl'],
    ['offboarded/set', { csv: 'accountId\n<script>alert(1)</script>' }, 'csv'],
  ])('%s with %j → INVALID_INPUT naming %s, nothing written', async (key, payload, field) => {
    const before = state();
    const answer = await call(key, payload, admin);
    expect(answer).toEqual({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringContaining(field) } });
    expect(state()).toEqual(before);
  });

  it('rate-limits "Scan now" to one every 10 minutes', async () => {
    expect(await call('scan/now', {}, admin)).toMatchObject({ ok: true });
    expect(await call('scan/now', {}, admin)).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
  });

  it("policy saves share Scan now's limit: six saves in twelve minutes queue two re-plans, and Scan now waits for them", async () => {
    const plans = () =>
      runtime.installation(workspaceUuid).queue.filter((event) => (event.body as { kind?: string }).kind === 'plan').length;
    const before = plans();
    for (let i = 0; i < 6; i++) {
      expect(await call('policy/update', { minApprovals: 1 + (i % 2) }, admin)).toMatchObject({ ok: true });
      clock.advance(2 * 60_000);
    }
    expect(plans() - before).toBe(2);
    expect(await call('scan/now', {}, admin)).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
  });

  it('a save re-evaluates only what it affects: nothing for merge-check settings, one repository for its exception', async () => {
    const queued = () => runtime.installation(workspaceUuid).queue.map((event) => event.body as { kind?: string; repositoryUuid?: string });
    const before = queued().length;
    expect(await call('policy/update', { mergeCheckOnError: 'allow', requireApprovalOfHead: false }, admin)).toMatchObject({ ok: true });
    expect(queued().length - before).toBe(0);
    const repo = emulator.seed.workspaces[0]!.repositories.find((candidate) => candidate.slug === 'payments-api')!;
    const answer = await call(
      'exceptions/add',
      { control: 'BB-REPO-2', repository: 'payments-api', reason: 'vendor review', expiresOn: '2027-01-01' },
      admin,
    );
    expect(answer).toMatchObject({ ok: true });
    const added = queued().slice(before);
    expect(added.filter((job) => job.kind === 'plan')).toEqual([]);
    expect(added.filter((job) => job.kind === 'repository').map((job) => job.repositoryUuid)).toEqual([repo.uuid.replace(/[{}]/g, '')]);
    expect(added.filter((job) => job.kind === 'summary')).toHaveLength(1);
  });

  it('rate-limits "Re-check" to one per repository every 10 minutes', async () => {
    const repo = emulator.seed.workspaces[0]!.repositories.find((candidate) => candidate.slug === 'payments-api')!;
    const recheck = () =>
      runtime.resolve(
        'repository-compliance-card',
        'repository/recheck',
        {},
        { workspaceUuid, accountId: admin, extension: { repository: { uuid: repo.uuid } } },
      );
    expect(await recheck()).toMatchObject({ ok: true });
    expect(await recheck()).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    clock.advance(10 * 60_000 + 1000);
    expect(await recheck()).toMatchObject({ ok: true });
  });

  it('serves a repository only to users who can read it, and "Re-check" only to its administrators', async () => {
    const repo = emulator.seed.workspaces[0]!.repositories.find((candidate) => candidate.slug === 'payments-api')!;
    const extension = { repository: { uuid: repo.uuid } };
    expect(
      await runtime.resolve('repository-compliance-card', 'repository/get', {}, { workspaceUuid, accountId: member, extension }),
    ).toMatchObject({ ok: true, data: { repository: { slug: 'payments-api' } } });
    expect(
      await runtime.resolve('repository-compliance-card', 'repository/get', {}, { workspaceUuid, accountId: outsider, extension }),
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(
      await runtime.resolve('repository-compliance-card', 'repository/recheck', {}, { workspaceUuid, accountId: member, extension }),
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(
      await runtime.resolve('repository-compliance-card', 'repository/recheck', {}, { workspaceUuid, accountId: admin, extension }),
    ).toMatchObject({ ok: true });
  });

  it('answers the dashboard and the evidence for a period from stored state', async () => {
    // The install's first evaluation is more than the scans' share of an hour: the rest is evaluated in the next.
    await runtime.runFor(2 * 3_600_000);
    const dashboard = (await runtime.resolve(
      'compliance-dashboard',
      'dashboard/get',
      {},
      { workspaceUuid, accountId: member },
    )) as Envelope;
    expect(dashboard).toMatchObject({ ok: true, data: { summary: { repositories: 44, evaluated: 44 } } });
    const evidence = (await runtime.resolve(
      'compliance-dashboard',
      'evidence/get',
      { since: '2026-09-01', until: '2026-11-23' },
      { workspaceUuid, accountId: member },
    )) as Envelope;
    expect(evidence).toMatchObject({
      ok: true,
      data: { merged: expect.any(Number), csv: expect.stringContaining('repository,pull_request') },
    });
    expect(
      await runtime.resolve(
        'compliance-dashboard',
        'evidence/get',
        { since: '2026-11-01', until: '2026-10-01' },
        { workspaceUuid, accountId: member },
      ),
    ).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: 'until: must be after since' } });
  });
});
