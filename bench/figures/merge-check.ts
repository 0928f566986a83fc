import { demoSeed } from '../../local/emulator/seeds';
import { percentile, sandbox, type BenchOptions, type Figure } from '../sandbox';

/** The merge check: requests per check and our own time per check, with the emulator instant and at 100 ms. */
export async function mergeCheck(latencyMs: number, { quick }: BenchOptions): Promise<Figure> {
  const s = await sandbox(demoSeed());
  await s.runtime.install(s.ws.uuid);
  await s.runtime.drainQueues();
  const repo = s.ws.repositories.find((candidate) => candidate.slug === 'ledger')!;
  const id = (
    await s.emulator.mutate({
      type: 'open-pull-request',
      workspace: 'acme',
      repository: 'ledger',
      title: 'ACME-1',
      authorId: s.emulator.seed.users[0]!.accountId,
      sourceBranch: 'feature/1',
      sourceCommit: '1'.repeat(40),
    })
  ).pullRequestId!;
  // Approved by someone else: the check then also reads the activity log (was it given after the latest push?),
  // the most a merge check asks.
  await s.emulator.mutate({
    type: 'review',
    workspace: 'acme',
    repository: 'ledger',
    pullRequestId: id,
    accountId: s.emulator.seed.users[1]!.accountId,
    decision: 'approve',
  });
  if (latencyMs > 0) s.emulator.addFault({ path: 'pullrequests', kind: 'latency', latencyMs });
  const runs = quick ? 20 : 200;
  const own: number[] = [];
  let requests = 0;
  for (let i = 0; i < runs; i++) {
    const before = s.emulator.log.length;
    const { record } = await s.runtime.mergeCheck({
      workspace: { uuid: s.ws.uuid },
      repository: { uuid: repo.uuid },
      pullrequest: { id },
      trigger: { type: 'on-merge' },
    });
    const entries = s.emulator.log.slice(before);
    requests = Math.max(requests, entries.length);
    // Our own time: the invocation minus the time the emulator spent answering.
    own.push(record.durationMs - entries.reduce((sum, entry) => sum + entry.durationMs, 0));
  }
  await s.emulator.close();
  return {
    figure: `Merge check with ${latencyMs === 0 ? 'the emulator answering instantly' : `${latencyMs} ms latency`}: requests per check; our own time p50 / p99`,
    value: `${requests} requests; p50 ${percentile(own, 50).toFixed(1)} ms, p99 ${percentile(own, 99).toFixed(1)} ms (${runs} checks; includes local HTTP and KVS)`,
    target: '≤ 3 requests (2 when no approval needs dating); p99 ≤ 20 ms of our own time',
    data: { latencyMs, requests, p50: percentile(own, 50), p99: percentile(own, 99), runs },
  };
}
