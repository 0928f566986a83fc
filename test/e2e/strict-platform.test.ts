/**
 * What the strict sandbox revealed, one test each: every one of these failed on the code before the sandbox
 * spoke Bitbucket's wire format and held the app to Forge's documented behaviour.
 */
import path from 'node:path';
import api, { route } from '@forge/api';
import { kvs } from '@forge/kvs';
import { SimClock } from '../../local/runtime/clock';
import { LocalForgeRuntime } from '../../local/runtime/runtime';
import { BitbucketEmulator } from '../../local/emulator/server';
import { DEMO_NOW, demoSeed } from '../../local/emulator/seeds';
import type { SeedInput } from '../../local/emulator/model';
import { keys } from '../../src/store/keys';
import { createStore } from '../../src/store/store';
import type { EvidenceRecord, HistoryEntry, IndexRow } from '../../src/store/records';
import { layoutRows } from '../../src/services/summary-layout';
import { APP_TOKEN, withPeople } from '../builders/credentials';

const ROOT = path.resolve(__dirname, '..', '..');

async function start(input: SeedInput = demoSeed(), options: { users?: Record<string, string>; timeoutMs?: number } = {}) {
  const clock = new SimClock(DEMO_NOW);
  const { seed, users } = withPeople(input);
  const emulator = new BitbucketEmulator(seed, clock);
  await emulator.listen();
  const timeoutMs = options.timeoutMs;
  const runtime = new LocalForgeRuntime({
    root: ROOT,
    bitbucketBaseUrl: emulator.url,
    auth: { app: `Bearer ${APP_TOKEN}`, users: options.users ?? users },
    clock,
    ...(timeoutMs
      ? { invocationTimeoutMs: (key: string, limitSeconds: number) => (key === 'scan-job-fn' ? timeoutMs : limitSeconds * 1000) }
      : {}),
  });
  const ws = emulator.seed.workspaces[0]!;
  return { clock, emulator, runtime, ws };
}

type Started = Awaited<ReturnType<typeof start>>;

describe('the app on the strict sandbox', () => {
  let s: Started | null = null;
  afterEach(async () => {
    await s?.emulator.close();
    s = null;
  });

  it('keeps evidence for pull requests merged at Bitbucket-format times, so BB-PR-1 and BB-PR-2 are evaluated', async () => {
    s = await start();
    await s.runtime.install(s.ws.uuid);
    await s.runtime.drainQueues();
    const dump = s.runtime.installation(s.ws.uuid).kvs.dump();
    const merged = s.ws.repositories.flatMap((repo) => repo.pullRequests.filter((pr) => pr.state === 'MERGED').map(() => repo.slug));
    expect(merged.length).toBeGreaterThan(0);
    expect(Object.keys(dump).filter((key) => key.startsWith('v1:evd:')).length).toBeGreaterThan(0);
    const results = Object.entries(dump)
      .filter(([key]) => key.startsWith('v1:repo:'))
      .flatMap(([, value]) =>
        ((value as { results: Array<{ control: string; outcome: string; message: string }> | null }).results ?? []).filter((result) =>
          ['BB-PR-1', 'BB-PR-2'].includes(result.control),
        ),
      );
    expect(results.length).toBeGreaterThan(0);
    // Unreadable for other reasons (a token without scope) would say so; a key refused by KVS must not happen.
    expect(results.filter((result) => result.outcome === 'not-evaluable' && /key|INVALID_KEY/.test(result.message))).toEqual([]);
  });

  it('asks a person who has not granted access for consent: the card resolver rethrows NEEDS_AUTHENTICATION_ERR', async () => {
    s = await start(demoSeed(), { users: {} });
    await s.runtime.install(s.ws.uuid);
    await s.runtime.drainQueues();
    const repo = s.ws.repositories[0]!;
    const pr = repo.pullRequests[0]!;
    const person = s.emulator.seed.users[4]!.accountId;
    const cards: Array<[string, string, Record<string, unknown>]> = [
      ['repository-compliance-card', 'repository/get', { repository: { uuid: repo.uuid } }],
      ['pull-request-compliance-card', 'pull-request/get', { repository: { uuid: repo.uuid }, pullRequest: { id: pr.id } }],
    ];
    for (const [module, key, extension] of cards) {
      await expect(s.runtime.resolve(module, key, {}, { workspaceUuid: s.ws.uuid, accountId: person, extension })).rejects.toMatchObject({
        name: 'NEEDS_AUTHENTICATION_ERR',
        status: 401,
      });
    }
  });

  it('refuses asUser() outside a UI resolver, as Forge does', async () => {
    s = await start();
    await expect(s.runtime.withInstallation(s.ws.uuid, () => api.asUser().requestBitbucket(route`/2.0/workspaces/acme`))).rejects.toThrow(
      /only available in UI resolvers/,
    );
  });

  it('stops a timed-out invocation: its later Bitbucket calls and KVS writes fail instead of racing on', async () => {
    s = await start(demoSeed(), { timeoutMs: 100 });
    const repo = s.ws.repositories[0]!;
    s.emulator.addFault({ path: '/branch-restrictions$', kind: 'latency', latencyMs: 400 });
    const installation = s.runtime.installation(s.ws.uuid);
    const job = {
      body: {
        kind: 'repository',
        workspaceUuid: s.ws.uuid.replace(/[{}]/g, ''),
        repositoryUuid: repo.uuid.replace(/[{}]/g, ''),
        cause: 'test',
      },
      queueName: 'attest-scan-jobs',
      jobId: 'j',
      eventId: 'e',
    };
    const { record } = await s.runtime.invoke({ functionKey: 'scan-job-fn', module: 'consumer:scan-job-consumer', installation }, job);
    expect(record.outcome).toBe('timeout');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(installation.kvs.dump()[keys.repository(repo.uuid)]).toBeUndefined();
  });

  it('re-evaluates on a push to the main branch, not on a tag push (no mainbranch in the payload)', async () => {
    s = await start();
    const repo = s.ws.repositories[0]!;
    const event = (push: Record<string, unknown>) => ({
      eventType: 'avi:bitbucket:push:repository',
      selfGenerated: false,
      repository: { uuid: repo.uuid },
      workspace: { uuid: s!.ws.uuid },
      push,
    });
    await s.runtime.emit(event({ ref: 'v1.4.0' }));
    expect(s.runtime.pendingEvents()).toBe(0);
    await s.runtime.emit(event({ ref: 'main', mainbranch: true }));
    expect(s.runtime.pendingEvents()).toBe(1);
  });

  it('pushes again the events a queue push refused (202, PartialSuccessError), so the install scan covers every repository', async () => {
    s = await start();
    s.runtime.failQueuePushes(s.ws.uuid, { refuseEvents: 3 });
    await s.runtime.install(s.ws.uuid);
    await s.runtime.drainQueues();
    const dump = s.runtime.installation(s.ws.uuid).kvs.dump();
    const evaluated = Object.entries(dump).filter(
      ([key, value]) => key.startsWith('v1:repo:') && (value as { evaluatedAt: string | null }).evaluatedAt !== null,
    );
    expect(evaluated).toHaveLength(s.ws.repositories.length);
  });

  it('asks Forge to deliver a product event again when its work could not be queued (429), and the work lands', async () => {
    s = await start();
    await s.runtime.install(s.ws.uuid);
    await s.runtime.drainQueues();
    const repo = s.ws.repositories[0]!;
    const before = (s.runtime.installation(s.ws.uuid).kvs.dump()[keys.repository(repo.uuid)] as { evaluatedAt: string }).evaluatedAt;
    s.clock.advance(600_000);
    s.runtime.failQueuePushes(s.ws.uuid, { rateLimitPushes: 1 });
    const [record] = await s.runtime.emit({
      eventType: 'avi:bitbucket:push:repository',
      selfGenerated: false,
      timestamp: new Date(s.clock.now()).toISOString(),
      repository: { uuid: repo.uuid },
      workspace: { uuid: s.ws.uuid },
      push: { ref: 'main', mainbranch: true },
    });
    expect(record!.outcome).toBe('retry');
    await s.runtime.drainQueues();
    const after = (s.runtime.installation(s.ws.uuid).kvs.dump()[keys.repository(repo.uuid)] as { evaluatedAt: string }).evaluatedAt;
    expect(Date.parse(after)).toBeGreaterThan(Date.parse(before));
  });

  it('runs scheduled triggers off the hour, and a duplicated run does not plan the same hour twice', async () => {
    const clock = new SimClock(DEMO_NOW);
    const { seed } = withPeople(demoSeed());
    const emulator = new BitbucketEmulator(seed, clock);
    await emulator.listen();
    const runtime = new LocalForgeRuntime({
      root: ROOT,
      bitbucketBaseUrl: emulator.url,
      auth: { app: `Bearer ${APP_TOKEN}` },
      clock,
      schedule: { duplicateRate: 1 },
    });
    s = { clock, emulator, runtime, ws: emulator.seed.workspaces[0]! };
    await runtime.install(s.ws.uuid);
    await runtime.drainQueues();
    emulator.log.length = 0;
    await runtime.runFor(3 * 3_600_000);
    const scheduled = runtime.invocations.filter((invocation) => invocation.module.startsWith('scheduledTrigger:hourly'));
    expect(scheduled.length).toBeGreaterThanOrEqual(4);
    expect(scheduled.some((invocation) => invocation.at % 3_600_000 !== 0)).toBe(true);
    const listings = emulator.log.filter((entry) => /^\/2\.0\/repositories\/[^/]+$/.test(entry.path));
    expect(listings.length).toBeLessThanOrEqual(3);
    expect(listings.length).toBeLessThan(scheduled.length);
  });

  it('reads the pipelines file of a main branch named with a slash at its head commit', async () => {
    const renamed = demoSeed();
    const target = renamed.workspaces[0]!.repositories!.find((repo) => repo.slug === 'payments-api')!;
    s = await start(demoSeed());
    await s.runtime.install(s.ws.uuid);
    await s.runtime.drainQueues();
    const outcome = (started: Started) => {
      const stored = started.runtime.installation(started.ws.uuid).kvs.dump()[keys.repository(target.uuid)] as {
        results: Array<{ control: string; outcome: string }>;
      };
      return stored.results.find((result) => result.control === 'BB-CI-4')?.outcome;
    };
    const before = outcome(s);
    await s.emulator.close();
    target.mainBranch = 'release/2026';
    s = await start(renamed);
    await s.runtime.install(s.ws.uuid);
    await s.runtime.drainQueues();
    expect(before).toBe('pass');
    expect(outcome(s)).toBe('pass');
    expect(s.emulator.log.some((entry) => entry.path.includes('/src/') && entry.path.includes('release'))).toBe(false);
  });
});

describe('the store on the strict KVS', () => {
  let s: Started | null = null;
  afterEach(async () => {
    await s?.emulator.close();
    s = null;
  });
  const inStore = async <T>(fn: (store: ReturnType<typeof createStore>) => Promise<T>): Promise<T> =>
    s!.runtime.withInstallation(s!.ws.uuid, () => fn(createStore()));

  it('writes and reads a summary of 40,000 repositories: more than 4 MB, so more than one batch', async () => {
    s = await start();
    const rows: IndexRow[] = Array.from({ length: 40_000 }, (_, i) => ({
      uuid: `0000${i}`.padStart(36, '0'),
      slug: `repository-${i}`,
      project: 'CORE',
      classification: 'production',
      score: 80,
      counts: { pass: 16, fail: 2, 'not-evaluable': 1, 'not-applicable': 2 },
      failing: ['BB-BP-1', 'BB-PR-1'],
      evaluatedAt: '2026-11-24T13:14:48.599Z',
      requests: 9,
      outcomes: { 'BB-BP-1': 'fail', 'BB-PR-1': 'fail', 'BB-AC-1': 'pass' },
    }));
    const meta = {
      generatedAt: '2026-11-24T13:14:48.599Z',
      foldedThrough: null,
      repositories: rows.length,
      evaluated: rows.length,
      score: 80,
      outcomes: { pass: 1, fail: 0, 'not-evaluable': 0, 'not-applicable': 0 },
      oldestEvaluatedAt: null,
      frameworks: [],
      controlRates: [],
      attention: { notEvaluable: [], excepted: [], advisory: [] },
    };
    const layout = layoutRows(rows, undefined, new Date('2026-11-24T13:14:48.599Z'));
    await inStore((store) => store.putSummary(meta, layout));
    expect(layout.chunks.length).toBeGreaterThan(20);
    const read = await inStore((store) => store.getSummary());
    expect(read?.rows).toHaveLength(rows.length);
    expect(s.runtime.installation(s.ws.uuid).kvs.stats.largestBatchBytes).toBeLessThanOrEqual(4 * 1024 * 1024);
  });

  it('prunes exactly the history older than the cutoff, whatever order KVS answers in', async () => {
    s = await start();
    const entry = (at: string, i: number): HistoryEntry => ({
      subject: `0f3c1a2b-1111-4222-8333-${String(i).padStart(12, '0')}`,
      subjectName: `repo-${i}`,
      control: 'BB-BP-1',
      from: 'pass',
      to: 'fail',
      at,
      cause: 'test',
      actor: null,
    });
    const old = Array.from({ length: 150 }, (_, i) => entry(new Date(Date.UTC(2026, 0, 1 + (i % 60), 3)).toISOString(), i));
    const recent = Array.from({ length: 150 }, (_, i) => entry(new Date(Date.UTC(2026, 5, 1 + (i % 28), 3)).toISOString(), i));
    await inStore((store) => store.addHistory([...old, ...recent]));
    const removed = await inStore((store) => store.pruneHistory('2026-05-01T00:00:00.000Z', new Date('2025-12-01T00:00:00.000Z')));
    expect(removed).toBe(150);
    const left = Object.keys(s.runtime.installation(s.ws.uuid).kvs.dump()).filter((key) => key.startsWith('v1:hist:'));
    expect(left).toHaveLength(150);
    expect(left.every((key) => key >= 'v1:hist:2026-06')).toBe(true);
  });

  it('tells a duplicate evidence write from a failure without an error code, and heals a missing date index', async () => {
    s = await start();
    const record: EvidenceRecord = {
      repositoryUuid: '0f3c1a2b-1111-4222-8333-444455556666',
      repositorySlug: 'api',
      pullRequestId: 7,
      title: 'Fix',
      author: { accountId: 'a', name: 'A' },
      approvers: [],
      builds: [],
      destination: 'main',
      source: 'fix',
      mergeCommit: 'abc123abc123',
      mergedAt: '2026-09-30T23:59:59.999872+00:00',
      mergedAtSource: 'event',
      mergedBy: null,
      url: null,
      independentlyApproved: false,
      passingBuild: false,
      recordedAt: '2026-10-01T00:00:00.184Z',
      origin: 'event',
    };
    expect(await inStore((store) => store.putEvidence(record))).toBe(true);
    const index = keys.evidenceByDate(record.mergedAt, record.repositoryUuid, record.pullRequestId);
    expect(index).toBe('v1:evd:2026-09-30T23:59:59.999Z:0f3c1a2b-1111-4222-8333-444455556666:7');
    await s.runtime.withInstallation(s.ws.uuid, () => kvs.delete(index));
    expect(await inStore((store) => store.putEvidence(record))).toBe(false);
    expect(s.runtime.installation(s.ws.uuid).kvs.dump()[index]).toMatchObject({ pullRequestId: 7 });
    const q3 = await inStore((store) => store.listEvidenceBetween(new Date('2026-07-01T00:00:00Z'), new Date('2026-10-01T00:00:00Z')));
    expect(q3.map((evidence) => evidence.pullRequestId)).toEqual([7]);
  });
});
