/**
 * The app's real handlers on the local Forge runtime over the emulator, end to end: Forge events in,
 * `requestBitbucket` answered by the emulator over HTTP, values written through @forge/kvs and read back;
 * the queue's at-least-once delivery and retries; scheduled ticks; merge checks; resolvers; time limits.
 * Nothing of ours and none of the Forge SDKs is mocked.
 */
import path from 'node:path';
import { REPOSITORY_CONTROLS } from '../../src/controls';
import { SimClock } from '../../local/runtime/clock';
import { LocalForgeRuntime, type QueueOptions } from '../../local/runtime/runtime';
import { BitbucketEmulator } from '../../local/emulator/server';
import { DEMO_NOW, DEMO_WORKSPACE, demoSeed } from '../../local/emulator/seeds';
import { APP_TOKEN, withPeople } from '../builders/credentials';

const ROOT = path.resolve(__dirname, '..', '..');

async function sandbox(queue: QueueOptions = {}, timeoutMs?: number) {
  const clock = new SimClock(DEMO_NOW);
  const { seed, users } = withPeople(demoSeed());
  const emulator = new BitbucketEmulator(seed, clock);
  await emulator.listen();
  const runtime = new LocalForgeRuntime({
    root: ROOT,
    bitbucketBaseUrl: emulator.url,
    auth: { app: `Bearer ${APP_TOKEN}`, users },
    clock,
    queue,
    ...(timeoutMs ? { invocationTimeoutMs: () => timeoutMs } : {}),
  });
  emulator.onEvent((event) => runtime.emit(event));
  const ws = emulator.seed.workspaces[0]!;
  return { clock, emulator, runtime, ws, kvs: () => runtime.installation(ws.uuid).kvs.dump() };
}

describe('the app on the local runtime', () => {
  it('handles a repository event: evaluates only that repository through the queue, stores the results in KVS', async () => {
    const { emulator, runtime, ws, kvs } = await sandbox();
    try {
      const repo = ws.repositories[1]!;
      const records = await runtime.emit({
        eventType: 'avi:bitbucket:updated:repository',
        selfGenerated: false,
        repository: { uuid: repo.uuid },
        workspace: { uuid: ws.uuid },
        changes: {},
      });
      expect(records.map((record) => [record.functionKey, record.outcome])).toEqual([['repository-event-fn', 'ok']]);
      await runtime.drainQueues();
      expect(emulator.log.length).toBeGreaterThan(3);
      expect(emulator.log.every((entry) => entry.path.startsWith(`/2.0/repositories/${ws.uuid}/${repo.uuid}`))).toBe(true);
      const stored = kvs()[`v1:repo:${repo.uuid.replace(/[{}]/g, '')}`] as { results: Array<{ control: string }> };
      expect(stored).toMatchObject({
        slug: repo.slug,
        fullName: `acme/${repo.slug}`,
        mainBranch: repo.mainBranch,
        isPrivate: repo.isPrivate,
        cause: 'avi:bitbucket:updated:repository',
      });
      expect(stored.results).toHaveLength(REPOSITORY_CONTROLS.length);
      // Read back through the resolver, as the repository card does.
      const card = await runtime.resolve(
        'repository-compliance-card',
        'repository/get',
        {},
        { workspaceUuid: ws.uuid, accountId: emulator.seed.users[4]!.accountId, extension: { repository: { uuid: repo.uuid } } },
      );
      expect(card).toMatchObject({ ok: true, data: { repository: { slug: repo.slug } } });
    } finally {
      await emulator.close();
    }
  });

  it('ignores self-generated events without calling Bitbucket', async () => {
    const { emulator, runtime, ws, kvs } = await sandbox();
    try {
      await runtime.emit({
        eventType: 'avi:bitbucket:created:repository',
        selfGenerated: true,
        repository: { uuid: ws.repositories[0]!.uuid },
        workspace: { uuid: ws.uuid },
      });
      expect(emulator.log).toEqual([]);
      expect(kvs()).toEqual({});
    } finally {
      await emulator.close();
    }
  });

  it('installs: the lifecycle event queues a plan that the consumers carry out, with every event delivered twice', async () => {
    const { emulator, runtime, ws, kvs } = await sandbox({ duplicate: true });
    try {
      await runtime.install(ws.uuid);
      expect(runtime.pendingEvents()).toBe(2); // duplicated delivery
      await runtime.drainQueues();
      // The first evaluation of the demo workspace (about 720 requests with the ledger's backfill) is more than the
      // scans' share of an hour: what did not fit waits for room in the rolling hour, or for the next plan.
      await runtime.runFor(2 * 3_600_000);
      const stored = Object.entries(kvs()).filter(([key]) => key.startsWith('v1:repo:'));
      expect(stored).toHaveLength(44);
      expect(stored.every(([, value]) => (value as { evaluatedAt: string | null }).evaluatedAt !== null)).toBe(true);
      const dashboard = (await runtime.resolve(
        'compliance-dashboard',
        'dashboard/get',
        {},
        { workspaceUuid: ws.uuid, accountId: emulator.seed.users[0]!.accountId },
      )) as { ok: boolean; data: { summary: { evaluated: number } } };
      expect(dashboard.ok).toBe(true);
      expect(dashboard.data.summary.evaluated).toBe(44);
      const repositories = (await runtime.resolve(
        'compliance-dashboard',
        'dashboard/repositories',
        {},
        { workspaceUuid: ws.uuid, accountId: emulator.seed.users[0]!.accountId },
      )) as { ok: boolean; data: { repositories: unknown[] } };
      expect(repositories.data.repositories).toHaveLength(44);
    } finally {
      await emulator.close();
    }
  });

  it('retries a consumer that answers InvocationError (401 right after install) until Bitbucket answers', async () => {
    const { clock, emulator, runtime, ws, kvs } = await sandbox();
    try {
      emulator.addFault({ path: `^/2.0/repositories/\\{[^/]*$`, kind: 'status', status: 401, times: 2 });
      const started = clock.now();
      await runtime.install(ws.uuid);
      await runtime.drainQueues();
      const consumer = runtime.invocations.filter((record) => record.functionKey === 'scan-job-fn').map((record) => record.outcome);
      expect(consumer.slice(0, 3)).toEqual(['retry', 'retry', 'ok']);
      // Later retries only wait for room in the hour (the request ledger); nothing fails.
      expect(consumer.slice(3).every((outcome) => outcome === 'ok' || outcome === 'retry')).toBe(true);
      expect(clock.now() - started).toBeGreaterThanOrEqual(120_000); // two retries 60 s apart on the simulated clock
      expect(Object.keys(kvs()).filter((key) => key.startsWith('v1:repo:'))).toHaveLength(44);
    } finally {
      await emulator.close();
    }
  });

  it('delivers a delayed job after its delay on the simulated clock (evidence retried after a failed read), reordered when asked', async () => {
    const { clock, emulator, runtime, ws, kvs } = await sandbox({ reorder: true });
    try {
      const [author, reviewer] = emulator.seed.users;
      const repo = ws.repositories.find((candidate) => candidate.slug === 'ledger')!;
      const { pullRequestId } = await emulator.mutate({
        type: 'open-pull-request',
        workspace: 'acme',
        repository: 'ledger',
        title: 'ACME-9',
        authorId: author!.accountId,
        sourceBranch: 'feature/ACME-9',
        sourceCommit: 'c'.repeat(40),
      });
      await emulator.mutate({
        type: 'review',
        workspace: 'acme',
        repository: 'ledger',
        pullRequestId: pullRequestId!,
        accountId: reviewer!.accountId,
        decision: 'approve',
      });
      await runtime.drainQueues();
      emulator.addFault({ path: `pullrequests/${pullRequestId}$`, kind: 'status', status: 503, times: 2 });
      await emulator.mutate({
        type: 'merge-pull-request',
        workspace: 'acme',
        repository: 'ledger',
        pullRequestId: pullRequestId!,
        accountId: author!.accountId,
      });
      const key = `v1:ev:${repo.uuid.replace(/[{}]/g, '')}:${pullRequestId}`;
      expect(kvs()[key]).toBeUndefined();
      expect(runtime.pendingEvents()).toBe(1);
      const started = clock.now();
      await runtime.drainQueues();
      expect(clock.now() - started).toBe(60_000);
      expect(kvs()[key]).toMatchObject({ pullRequestId, independentlyApproved: true, origin: 'event' });
    } finally {
      await emulator.close();
    }
  });

  it('queues a plan every hour from the scheduled trigger', async () => {
    const { emulator, runtime, ws } = await sandbox();
    try {
      runtime.installation(ws.uuid);
      await runtime.runFor(3 * 3_600_000);
      expect(runtime.invocations.filter((record) => record.functionKey === 'hourly-scan-fn')).toHaveLength(3);
      expect(
        runtime.invocations.filter((record) => record.functionKey === 'scan-job-fn' && record.outcome === 'ok').length,
      ).toBeGreaterThan(3);
      expect(runtime.invocations.filter((record) => record.outcome === 'error' || record.outcome === 'timeout')).toEqual([]);
    } finally {
      await emulator.close();
    }
  });

  it('runs the merge check: blocks a self-approved pull request, passes one approved by someone else', async () => {
    const { emulator, runtime, ws } = await sandbox();
    try {
      const [author, reviewer] = emulator.seed.users;
      const repo = ws.repositories.find((candidate) => candidate.slug === 'ledger')!;
      await runtime.install(ws.uuid);
      await runtime.drainQueues();
      const open = async (title: string, commit: string) =>
        (
          await emulator.mutate({
            type: 'open-pull-request',
            workspace: 'acme',
            repository: 'ledger',
            title,
            authorId: author!.accountId,
            sourceBranch: `feature/${commit}`,
            sourceCommit: commit.repeat(40).slice(0, 40),
          })
        ).pullRequestId!;
      const selfApproved = await open('ACME-1 self', 'a');
      await emulator.mutate({
        type: 'review',
        workspace: 'acme',
        repository: 'ledger',
        pullRequestId: selfApproved,
        accountId: author!.accountId,
        decision: 'approve',
      });
      await emulator.mutate({
        type: 'build-status',
        workspace: 'acme',
        repository: 'ledger',
        commit: 'a'.repeat(40),
        key: 'ci',
        state: 'SUCCESSFUL',
        refname: 'feature/a',
      });
      const reviewed = await open('ACME-2 reviewed', 'b');
      await emulator.mutate({
        type: 'review',
        workspace: 'acme',
        repository: 'ledger',
        pullRequestId: reviewed,
        accountId: reviewer!.accountId,
        decision: 'approve',
      });
      await emulator.mutate({
        type: 'build-status',
        workspace: 'acme',
        repository: 'ledger',
        commit: 'b'.repeat(40),
        key: 'ci',
        state: 'SUCCESSFUL',
        refname: 'feature/b',
      });
      emulator.log.length = 0;
      const blocked = await runtime.mergeCheck({
        workspace: { uuid: ws.uuid },
        repository: { uuid: repo.uuid },
        pullrequest: { id: selfApproved },
        trigger: { type: 'on-merge' },
      });
      expect(blocked.result).toEqual({ success: false, message: 'Needs 1 more approval from someone other than the author.' });
      expect(emulator.log).toHaveLength(2);
      emulator.log.length = 0;
      const passed = await runtime.mergeCheck({
        workspace: { uuid: ws.uuid },
        repository: { uuid: repo.uuid },
        pullrequest: { id: reviewed },
        trigger: { type: 'on-merge' },
      });
      expect(passed.result).toEqual({ success: true, message: 'All Attest checks passed.' });
      // The approval suffices, so the activity log is read too: was it given after the latest push?
      expect(emulator.log.map((entry) => entry.path.split('/').pop())).toEqual(
        ['10', 'statuses', 'activity'].map((last, i) => (i === 0 ? String(reviewed) : last)),
      );
      // The pull-request events stored the checks for the card along the way.
      const card = (await runtime.resolve(
        'pull-request-compliance-card',
        'pull-request/get',
        {},
        {
          workspaceUuid: ws.uuid,
          accountId: author!.accountId,
          extension: { repository: { uuid: repo.uuid }, pullRequest: { id: reviewed } },
        },
      )) as { ok: boolean; data: { pullRequest: { checks: Array<{ id: string; outcome: string }> } } };
      expect(card.data.pullRequest.checks.find((check) => check.id === 'PR-APPROVED')?.outcome).toBe('pass');
    } finally {
      await emulator.close();
    }
  });

  it('blocks by default when Bitbucket cannot be read, saying why, and never throws', async () => {
    const { emulator, runtime, ws } = await sandbox();
    try {
      emulator.addFault({ path: 'pullrequests', kind: 'status', status: 503 });
      const repo = ws.repositories[0]!;
      const { record, result } = await runtime.mergeCheck({
        workspace: { uuid: ws.uuid },
        repository: { uuid: repo.uuid },
        pullrequest: { id: 1 },
        trigger: { type: 'on-merge' },
      });
      expect(record.outcome).toBe('ok');
      expect(result).toEqual({
        success: false,
        message: expect.stringMatching(
          /^Attest could not evaluate this pull request \(Bitbucket failed to answer \(HTTP 503\).*The merge is blocked/,
        ),
      });
    } finally {
      await emulator.close();
    }
  });

  it('enforces the invocation time limit and retries a timed-out consumer', async () => {
    const { emulator, runtime, ws } = await sandbox({ maxRetries: 1 }, 200);
    try {
      emulator.addFault({ path: `^/2.0/repositories/\\{[^/]*$`, kind: 'latency', latencyMs: 400, times: 1 });
      await runtime.install(ws.uuid);
      await runtime.drainQueues({ maxInvocations: 2 });
      expect(runtime.invocations.filter((record) => record.functionKey === 'scan-job-fn').map((record) => record.outcome)).toEqual([
        'timeout',
        'ok',
      ]);
    } finally {
      await emulator.close();
    }
  });

  it('routes a merge check only for the triggers the manifest declares, and resolvers only for UI modules', async () => {
    const { emulator, runtime, ws } = await sandbox();
    try {
      await expect(
        runtime.mergeCheck({
          workspace: { uuid: ws.uuid },
          repository: { uuid: ws.repositories[0]!.uuid },
          pullrequest: { id: 1 },
          trigger: { type: 'on-something' },
        }),
      ).rejects.toThrow('not configured for on-something');
      await expect(runtime.resolve('no-such-module', 'dashboard/get', {}, { workspaceUuid: ws.uuid })).rejects.toThrow('no UI module');
      const invalid = await runtime.resolve(
        'pull-request-compliance-card',
        'pull-request/get',
        { pullRequestId: 'x' },
        { workspaceUuid: ws.uuid },
      );
      expect(invalid).toEqual({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringContaining('pullRequestId') } });
    } finally {
      await emulator.close();
    }
  });

  it('names the demo workspace it seeds', () => {
    expect(demoSeed().workspaces[0]).toMatchObject({ slug: DEMO_WORKSPACE.slug, uuid: DEMO_WORKSPACE.uuid });
  });
});
