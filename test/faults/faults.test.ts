/**
 * Fault tolerance on the sandbox: Bitbucket limiting, failing or answering badly, KVS refusing writes,
 * deliveries duplicated, delayed and reordered, consumers killed by the time limit. For each fault:
 * zero false passes (nothing is `pass` unless the fault-free run says so), honest gaps (what could not be
 * computed is `not-evaluable` with a reason), nothing lost (merged pull requests keep exactly one evidence
 * record), and the scan finishes and recovers on the next scheduled runs.
 */
import path from 'node:path';
import { SimClock } from '../../local/runtime/clock';
import { LocalForgeRuntime, type QueueOptions } from '../../local/runtime/runtime';
import { BitbucketEmulator, type FaultRule } from '../../local/emulator/server';
import { DEMO_NOW, demoSeed } from '../../local/emulator/seeds';
import type { EvidenceRecord, RepositoryRecord } from '../../src/store/records';

const ROOT = path.resolve(__dirname, '..', '..');

async function sandbox(queue: QueueOptions = {}, timeoutMs?: number) {
  const clock = new SimClock(DEMO_NOW);
  const emulator = new BitbucketEmulator(demoSeed(), clock);
  await emulator.listen();
  const runtime = new LocalForgeRuntime({
    root: ROOT,
    bitbucketBaseUrl: emulator.url,
    auth: { app: 'Bearer faults' },
    clock,
    queue,
    ...(timeoutMs ? { invocationTimeoutMs: () => timeoutMs } : {}),
  });
  emulator.onEvent((event) => runtime.emit(event));
  const ws = emulator.seed.workspaces[0]!;
  const records = () =>
    Object.entries(runtime.installation(ws.uuid).kvs.dump())
      .filter(([key]) => key.startsWith('v1:repo:'))
      .map(([, value]) => value as RepositoryRecord);
  const evidence = () =>
    Object.entries(runtime.installation(ws.uuid).kvs.dump())
      .filter(([key]) => key.startsWith('v1:ev:'))
      .map(([, value]) => value as EvidenceRecord);
  return { clock, emulator, runtime, ws, records, evidence };
}

type Outcomes = Map<string, string>;
function outcomes(records: RepositoryRecord[]): Outcomes {
  return new Map(
    records.flatMap((record) => (record.results ?? []).map((result) => [`${record.slug}:${result.control}`, result.outcome] as const)),
  );
}

let baseline: Outcomes;
beforeAll(async () => {
  const s = await sandbox();
  await s.runtime.install(s.ws.uuid);
  await s.runtime.drainQueues();
  baseline = outcomes(s.records());
  await s.emulator.close();
});

function expectNoFalsePass(current: Outcomes) {
  const falsePasses = [...current.entries()].filter(([key, outcome]) => outcome === 'pass' && baseline.get(key) !== 'pass');
  expect(falsePasses).toEqual([]);
}

function expectHonestGaps(records: RepositoryRecord[]) {
  for (const record of records) {
    for (const result of record.results ?? []) {
      if (result.outcome !== 'not-evaluable') continue;
      expect(result.message.length).toBeGreaterThan(10);
      expect(result.remediation?.length).toBeGreaterThan(0);
    }
  }
}

const SCENARIOS: Array<[string, FaultRule[], QueueOptions, number | undefined]> = [
  [
    'a 429 storm without Retry-After on branch restrictions',
    [{ path: 'branch-restrictions', kind: 'status', status: 429, times: 60 }],
    {},
    undefined,
  ],
  ['a 5xx burst on pipelines', [{ path: '/pipelines$', kind: 'status', status: 502, times: 40 }], {}, undefined],
  ['malformed JSON from pipelines_config', [{ path: 'pipelines_config', kind: 'malformed', times: 20 }], {}, undefined],
  ['truncated JSON from default reviewers', [{ path: 'effective-default-reviewers', kind: 'truncated-body', times: 20 }], {}, undefined],
  ['a next link that 404s on the pull-request list', [{ path: '/pullrequests$', kind: 'dangling-next', times: 10 }], {}, undefined],
  [
    'a 403 for a missing scope on branch restrictions, for good',
    [{ path: 'branch-restrictions', kind: 'status', status: 403 }],
    {},
    undefined,
  ],
  ['connection resets on the repository list', [{ path: '^/2.0/repositories/\\{[^/]*$', kind: 'reset', times: 3 }], {}, undefined],
  ['duplicated and reordered queue deliveries', [], { duplicate: true, reorder: true }, undefined],
  [
    'latency beyond the invocation limit (consumers killed mid-batch)',
    [{ path: 'pipelines_config', kind: 'latency', latencyMs: 300, times: 6 }],
    {},
    250,
  ],
];

describe.each(SCENARIOS)('with %s', (_name, faults, queue, timeoutMs) => {
  it('makes no false pass, leaves honest gaps, and recovers once the faults stop', async () => {
    const s = await sandbox(queue, timeoutMs);
    try {
      for (const fault of faults) s.emulator.addFault(fault);
      await s.runtime.install(s.ws.uuid);
      const deliveries = await s.runtime.drainQueues({ maxInvocations: 5000 });
      expect(deliveries).toBeLessThan(5000); // it finishes: no retry loop
      expectNoFalsePass(outcomes(s.records()));
      expectHonestGaps(s.records());
      // A pull request merged while the faults last is not lost.
      const [ada, grace] = s.emulator.seed.users;
      const id = (
        await s.emulator.mutate({
          type: 'open-pull-request',
          workspace: 'acme',
          repository: 'ledger',
          title: 'ACME-404',
          authorId: ada!.accountId,
          sourceBranch: 'feature/404',
          sourceCommit: '4'.repeat(40),
        })
      ).pullRequestId!;
      await s.emulator.mutate({
        type: 'review',
        workspace: 'acme',
        repository: 'ledger',
        pullRequestId: id,
        accountId: grace!.accountId,
        decision: 'approve',
      });
      await s.emulator.mutate({
        type: 'merge-pull-request',
        workspace: 'acme',
        repository: 'ledger',
        pullRequestId: id,
        accountId: ada!.accountId,
      });
      s.emulator.clearFaults();
      // Three hours: the install's first evaluation (with catalogue v2's reads) and the ledger backfill share them.
      await s.runtime.runFor(3 * 3_600_000);
      const after = outcomes(s.records());
      expectNoFalsePass(after);
      expect(s.records().every((record) => record.evaluatedAt !== null)).toBe(true);
      const notEvaluable = [...after.values()].filter((outcome) => outcome === 'not-evaluable').length;
      expect(notEvaluable).toBe([...baseline.values()].filter((outcome) => outcome === 'not-evaluable').length);
      expect(s.evidence().filter((record) => record.repositorySlug === 'ledger' && record.pullRequestId === id)).toHaveLength(1);
      const keys = s.evidence().map((record) => `${record.repositoryUuid}:${record.pullRequestId}`);
      expect(new Set(keys).size).toBe(keys.length);
    } finally {
      await s.emulator.close();
    }
  }, 120_000);
});

describe('with KVS refusing writes (rate limit) during the install scan', () => {
  it('retries through the queue and loses nothing', async () => {
    const s = await sandbox();
    try {
      await s.runtime.install(s.ws.uuid);
      s.runtime.installation(s.ws.uuid).kvs.failNext(8); // a burst: the consumers' first reads and writes fail
      await s.runtime.drainQueues();
      await s.runtime.runFor(2 * 3_600_000);
      expect(s.records()).toHaveLength(44);
      expect(s.records().every((record) => record.evaluatedAt !== null)).toBe(true);
      expectNoFalsePass(outcomes(s.records()));
    } finally {
      await s.emulator.close();
    }
  }, 120_000);
});

describe('a repository deleted in the middle of a scan', () => {
  it('is dropped with a history entry, never reported', async () => {
    const s = await sandbox();
    try {
      await s.runtime.install(s.ws.uuid);
      await s.runtime.drainQueues({ maxInvocations: 5 }); // the plan and a few evaluations
      await s.emulator.mutate({ type: 'delete-repository', workspace: 'acme', repository: 'webhooks' });
      await s.runtime.drainQueues();
      expect(s.records().map((record) => record.slug)).not.toContain('webhooks');
      const history = Object.entries(s.runtime.installation(s.ws.uuid).kvs.dump())
        .filter(([key]) => key.startsWith('v1:hist:'))
        .map(([, value]) => value as { subjectName: string; cause: string });
      expect(history).toContainEqual(expect.objectContaining({ subjectName: 'webhooks' }));
    } finally {
      await s.emulator.close();
    }
  }, 120_000);
});
