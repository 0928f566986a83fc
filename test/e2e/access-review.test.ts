/**
 * Access reviews end to end on the demo workspace: an administrator starts a review with a reviewer for Payments;
 * the snapshot is read through the queue; two reviewers decide their own items (and only theirs); the review is
 * completed, frozen and exported; a revoked grant still in place after the grace period fails BB-AC-3 and passes
 * once removed; BB-AC-4 fails once the interval has passed.
 */
import path from 'node:path';
import { SimClock } from '../../local/runtime/clock';
import { LocalForgeRuntime } from '../../local/runtime/runtime';
import { BitbucketEmulator } from '../../local/emulator/server';
import { DEMO_NOW, demoPolicy, demoSeed } from '../../local/emulator/seeds';
import { Policy } from '../../src/policy/policy';
import { createStore } from '../../src/store/store';
import type { ResolverAnswer } from '../../src/contract/resolvers';
import { APP_TOKEN, withPeople } from '../builders/credentials';
import { enqueue } from '../../src/services/scan-jobs';

const ROOT = path.resolve(__dirname, '..', '..');
const DAY = 86_400_000;
type Envelope<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

describe('an access review, from start to follow-through', () => {
  let emulator: BitbucketEmulator;
  let runtime: LocalForgeRuntime;
  let clock: SimClock;
  let ws: BitbucketEmulator['seed']['workspaces'][number];
  let ada: string; // workspace owner: starts, completes, reviews the workspace and every project but Payments
  let barbara: string; // Payments' reviewer (a collaborator)
  let leslie: string; // a plain member

  beforeAll(async () => {
    clock = new SimClock(DEMO_NOW);
    const { seed, users } = withPeople(demoSeed());
    emulator = new BitbucketEmulator(seed, clock);
    await emulator.listen();
    runtime = new LocalForgeRuntime({ root: ROOT, bitbucketBaseUrl: emulator.url, auth: { app: `Bearer ${APP_TOKEN}`, users }, clock });
    ws = emulator.seed.workspaces[0]!;
    [ada, barbara, leslie] = [emulator.seed.users[0]!.accountId, emulator.seed.users[4]!.accountId, emulator.seed.users[9]!.accountId];
    await runtime.withInstallation(ws.uuid, () => createStore().putPolicy(Policy.parse(demoPolicy(emulator.seed))));
  });
  afterAll(() => emulator.close());

  const call = async <K extends Parameters<typeof runtime.resolve>[1]>(key: K, payload: unknown, accountId: string) =>
    (await runtime.resolve('compliance-dashboard', key, payload, { workspaceUuid: ws.uuid, accountId })) as Envelope<unknown>;
  const data = <T>(answer: Envelope<unknown>): T => {
    if (!answer.ok) throw new Error(`${answer.error.code}: ${answer.error.message}`);
    return answer.data as T;
  };
  const review = async (id: string, as: string) => data<ResolverAnswer<'access-review/get'>>(await call('access-review/get', { id }, as));
  const dueOn = () => new Date(clock.now() + 14 * DAY).toISOString().slice(0, 10);
  let id = '';
  /** The revokes decided below: the ledger's direct grant, every "old release server" key, Frances's membership. */
  const revokes = () =>
    2 +
    ws.repositories
      .filter((repo) => repo.projectKey !== 'PAY') // Payments' keys are Barbara's, and she keeps hers
      .flatMap((repo) => repo.deployKeys)
      .filter((key) => key.label === 'old release server').length;

  it('only an administrator starts one; the snapshot is read through the queue within the hour', async () => {
    const start = { projects: null, dueOn: dueOn(), owner: ada, reviewersByProject: { PAY: barbara } };
    expect(await call('access-review/start', start, leslie)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await call('access-review/start', { ...start, dueOn: '2020-01-01' }, ada)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    id = data<{ id: string }>(await call('access-review/start', start, ada)).id;
    emulator.log.length = 0;
    await runtime.runFor(2 * 3_600_000);
    const opened = await review(id, ada);
    expect(opened.review.state).toBe('open');
    // Every member, every project and repository grant and deploy key of the demo, as Bitbucket answers them.
    const kinds = new Set(opened.items.map((item) => item.kind));
    expect(kinds).toEqual(new Set(['member', 'user-grant', 'group-grant', 'deploy-key']));
    expect(opened.items.filter((item) => item.kind === 'member')).toHaveLength(ws.members.length);
    const seededKeys = [...ws.repositories.flatMap((repo) => repo.deployKeys), ...ws.projects.flatMap((project) => project.deployKeys)];
    expect(
      opened.items
        .filter((item) => item.kind === 'deploy-key')
        .map((item) => item.name)
        .sort(),
    ).toEqual(seededKeys.map((key) => key.label).sort());
    expect(opened.gaps).toEqual([]);
    // The validity rules pre-decide the obvious: the offboarded person, direct grants on production, an old key.
    const frances = opened.items.find((item) => item.kind === 'member' && item.name === 'Frances Allen')!;
    expect(frances.suggestion).toEqual({ decision: 'revoke', reason: 'offboarded on 2026-10-01' });
    const oldKey = opened.items.find((item) => item.name === 'old release server')!;
    expect(oldKey.suggestion?.decision).toBe('revoke');
    // Grants and keys: three requests a repository and three a project (plus a few for the workspace part).
    const requests = emulator.log.filter((entry) => /permissions-config|deploy-keys/.test(entry.path)).length;
    expect(requests).toBe(3 * ws.repositories.length + 3 * ws.projects.length);
  });

  it('a reviewer sees and decides only their items; a member sees nothing', async () => {
    expect(await call('access-review/get', { id }, leslie)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const barbaras = await review(id, barbara);
    expect(barbaras.items.length).toBeGreaterThan(0);
    expect(barbaras.items.every((item) => item.project === 'PAY' && item.canDecide)).toBe(true);
    const adas = await review(id, ada);
    const notHers = adas.items.find((item) => item.project === 'PAY')!;
    expect(await call('access-review/decide', { id, decisions: [{ itemId: notHers.id, decision: 'keep' }] }, ada)).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    // A revoke needs its reason; nothing of a refused batch is written.
    const [first, second] = barbaras.items;
    const refused = await call(
      'access-review/decide',
      {
        id,
        decisions: [
          { itemId: first!.id, decision: 'keep' },
          { itemId: second!.id, decision: 'revoke' },
        ],
      },
      barbara,
    );
    expect(refused).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect((await review(id, barbara)).items.filter((item) => item.decision !== null)).toHaveLength(0);
  });

  it('two reviewers decide everything; the owner completes, freezes and exports it', async () => {
    const decideAll = async (as: string, revoke: (item: ResolverAnswer<'access-review/get'>['items'][number]) => boolean) => {
      const mine = (await review(id, as)).items.filter((item) => item.canDecide && item.decision === null);
      const decisions = mine.map((item) =>
        revoke(item)
          ? { itemId: item.id, decision: 'revoke', reason: 'no longer needed' }
          : { itemId: item.id, decision: 'keep', reason: 'needed for the job' },
      );
      expect(await call('access-review/decide', { id, decisions }, as)).toMatchObject({ ok: true, data: { decided: decisions.length } });
    };
    // Barbara revokes the direct grant on ledger (Payments); Ada revokes the old deploy key and the offboarded member.
    await decideAll(barbara, (item) => item.kind === 'user-grant' && item.target === 'acme/ledger');
    expect(await call('access-review/complete', { id }, ada)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    await decideAll(ada, (item) => item.name === 'old release server' || item.name === 'Frances Allen');
    expect(await call('access-review/complete', { id }, barbara)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const completed = data<{ hash: string }>(await call('access-review/complete', { id }, ada));
    expect(completed.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(
      await call(
        'access-review/decide',
        { id, decisions: [{ itemId: (await review(id, ada)).items[0]!.id, decision: 'keep', reason: 'x' }] },
        ada,
      ),
    ).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    const link = data<{ url: string }>(await call('access-review/export', { id, format: 'csv' }, ada));
    const file = await runtime.callWebTrigger(link.url);
    expect(file.statusCode).toBe(200);
    const lines = (file.body ?? '').trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^kind,subject,account_id/);
    expect(lines.filter((line) => line.includes(',revoke,'))).toHaveLength(revokes());
  });

  const acResult = async (control: string) => {
    await runtime.withInstallation(ws.uuid, () =>
      enqueue([{ job: { kind: 'workspace', workspaceUuid: ws.uuid.replace(/[{}]/g, ''), cause: 'test' } }]),
    );
    await runtime.drainQueues();
    const state = runtime.installation(ws.uuid).kvs.dump()['v1:ws'] as {
      results: Array<{ control: string; outcome: string; message: string }>;
    };
    return state.results.find((result) => result.control === control)!;
  };

  it('BB-AC-3 fails while a revoked grant is still there past the grace period, and passes once it is gone', async () => {
    expect(await acResult('BB-AC-4')).toMatchObject({ outcome: 'pass' });
    expect((await acResult('BB-AC-3')).outcome).toBe('pass'); // within the 14 days
    clock.advance(15 * DAY);
    const failed = await acResult('BB-AC-3');
    expect(failed.outcome).toBe('fail');
    expect(failed.message).toMatch(/old release server/);
    const decided = revokes();
    // The grants are removed in Bitbucket; the next evaluation reads those targets again.
    ws.repositories.find((repo) => repo.slug === 'ledger')!.permissions = [];
    for (const repo of ws.repositories) repo.deployKeys = repo.deployKeys.filter((key) => key.label !== 'old release server');
    ws.members = ws.members.filter(
      (member) => emulator.seed.users.find((user) => user.accountId === member.accountId)?.displayName !== 'Frances Allen',
    );
    expect(await acResult('BB-AC-3')).toMatchObject({ outcome: 'pass', message: `All ${decided} revocations were carried out.` });
  });

  it('BB-AC-4 fails once the last completed review is older than the interval', async () => {
    clock.advance(80 * DAY);
    expect(await acResult('BB-AC-4')).toMatchObject({ outcome: 'fail' });
  });
});
