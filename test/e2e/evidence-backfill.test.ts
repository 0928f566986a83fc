/**
 * Reading an audit period from Bitbucket from the dashboard: after the install (which holds the review
 * window, about 90 days), Q3 starts before what the ledger holds. An administrator asks for it; queue jobs read
 * it; the Evidence tab then holds the whole population the emulator knows, and says so. Members cannot spend
 * the app's requests on it, and a job delivered twice adds nothing.
 */
import path from 'node:path';
import { SimClock } from '../../local/runtime/clock';
import { LocalForgeRuntime } from '../../local/runtime/runtime';
import { BitbucketEmulator } from '../../local/emulator/server';
import { DEMO_NOW, demoSeed } from '../../local/emulator/seeds';
import { createStore } from '../../src/store/store';
import { APP_TOKEN, withPeople } from '../builders/credentials';

const ROOT = path.resolve(__dirname, '..', '..');
type Envelope<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };
interface Evidence {
  merged: number;
  coverage: { notCovered: unknown[] };
  backfill: { done: number; repositories: number | null; recorded: number; gaps: unknown[]; finishedAt: string | null } | null;
}

describe('reading a period from Bitbucket from the dashboard', () => {
  let emulator: BitbucketEmulator;
  let runtime: LocalForgeRuntime;
  let ws: BitbucketEmulator['seed']['workspaces'][number];
  let people: { admin: string; member: string };
  const q3 = { since: '2026-07-01', until: '2026-10-01' };

  beforeAll(async () => {
    const clock = new SimClock(DEMO_NOW);
    const { seed, users } = withPeople(demoSeed());
    emulator = new BitbucketEmulator(seed, clock);
    await emulator.listen();
    runtime = new LocalForgeRuntime({ root: ROOT, bitbucketBaseUrl: emulator.url, auth: { app: `Bearer ${APP_TOKEN}`, users }, clock });
    ws = emulator.seed.workspaces[0]!;
    people = { admin: emulator.seed.users[0]!.accountId, member: emulator.seed.users[9]!.accountId };
    await runtime.install(ws.uuid);
    await runtime.drainQueues();
    // The install's first evaluation and its ledger backfill (the review window) take a few hours within
    // Bitbucket's limit: the period is asked for once they are done, so only its own jobs record Q3's merges.
    const backfilling = () =>
      runtime.withInstallation(ws.uuid, async () =>
        (await createStore().listRepositories()).some(
          (record) => record.mainBranch !== null && (record.ledgerBackfill !== null || record.ledgerFrom === null),
        ),
      );
    for (let hour = 0; hour < 12 && (await backfilling()); hour++) await runtime.runFor(3_600_000);
  });
  afterAll(() => emulator.close());

  const call = async <T>(key: string, payload: unknown, accountId: string) =>
    (await runtime.resolve('compliance-dashboard', key, payload, { workspaceUuid: ws.uuid, accountId })) as Envelope<T>;
  const evidence = async () => {
    const answer = await call<Evidence>('evidence/get', q3, people.admin);
    if (!answer.ok) throw new Error(answer.error.message);
    return answer.data;
  };
  /** The population, from the emulator's own state: every pull request merged into a main branch in Q3. */
  const truth = () =>
    ws.repositories.flatMap((repo) =>
      repo.pullRequests.filter(
        (pr) => pr.mergedOn !== null && pr.mergedOn >= q3.since && pr.mergedOn < q3.until && pr.destinationBranch === repo.mainBranch,
      ),
    ).length;

  it('refuses a member: it spends the app’s Bitbucket requests', async () => {
    expect(await call('evidence/backfill', q3, people.member)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('an administrator’s request reads the whole period; the tab then holds all of it and says so', async () => {
    const before = await evidence();
    expect(before.coverage.notCovered.length).toBeGreaterThan(0);
    expect(before.merged).toBeLessThan(truth());
    const asked = await call<{ state: { finishedAt: string | null } }>('evidence/backfill', q3, people.admin);
    expect(asked).toMatchObject({ ok: true, data: { state: { finishedAt: null } } });
    expect((await evidence()).backfill).toMatchObject({ done: 0, finishedAt: null });
    // The jobs run within the hour's share, beside the hourly scans; one stopped by it pauses for room and goes on.
    for (let hour = 0; hour < 12 && !(await evidence()).backfill?.finishedAt; hour++) await runtime.runFor(3_600_000);
    const after = await evidence();
    expect(after.coverage.notCovered).toEqual([]);
    expect(after.merged).toBe(truth());
    expect(after.backfill).toMatchObject({ done: ws.repositories.length, repositories: ws.repositories.length, gaps: [] });
    // The period's jobs recorded what the ledger lacked; an hourly evaluation running meanwhile may record one of
    // them first (each is written once), so the jobs' own count is at most the difference, never more.
    expect(after.backfill?.recorded).toBeGreaterThan(0);
    expect(after.backfill?.recorded).toBeLessThanOrEqual(truth() - before.merged);
    expect(after.backfill?.finishedAt).not.toBeNull();
  });

  it('a job delivered again after it finished, or for another period, changes nothing', async () => {
    const store = () => runtime.withInstallation(ws.uuid, () => createStore().getEvidencePeriod());
    const state = await store();
    const job = {
      kind: 'evidence-period',
      workspaceUuid: ws.uuid.replace(/[{}]/g, ''),
      since: state!.since,
      until: state!.until,
      cause: 'test',
    };
    const requests = emulator.log.length;
    await runtime.invoke(
      { functionKey: 'scan-job-fn', module: 'consumer:scan-job-consumer', installation: runtime.installation(ws.uuid) },
      { body: job },
    );
    await runtime.invoke(
      { functionKey: 'scan-job-fn', module: 'consumer:scan-job-consumer', installation: runtime.installation(ws.uuid) },
      { body: { ...job, since: new Date(Date.UTC(2026, 0, 1)).toISOString() } },
    );
    expect(await store()).toEqual(state);
    expect(emulator.log.length).toBe(requests);
  });
});
