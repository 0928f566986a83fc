/**
 * The app flows of the app-flows issue, end to end on the sandbox (emulator + local runtime + simulated
 * clock), mocking nothing of ours.
 */
import { ceilingFor } from '../../src/services/request-ledger';
import path from 'node:path';
import { SimClock } from '../../local/runtime/clock';
import { LocalForgeRuntime, type QueueOptions } from '../../local/runtime/runtime';
import { BitbucketEmulator } from '../../local/emulator/server';
import type { SeedInput } from '../../local/emulator/model';
import { DEMO_NOW, demoPolicy, demoSeed, generateWorkspace } from '../../local/emulator/seeds';
import { appRequest, createBitbucketClient } from '../../src/bitbucket/client';
import { scanWorkspace } from '../../src/engine/scan';
import { controlById } from '../../src/controls';
import { Policy } from '../../src/policy/policy';
import { createStore } from '../../src/store/store';
import type { EvidenceRecord, RepositoryRecord } from '../../src/store/records';

const ROOT = path.resolve(__dirname, '..', '..');

async function sandbox(seed: SeedInput = demoSeed(), queue: QueueOptions = {}) {
  const clock = new SimClock(DEMO_NOW);
  const emulator = new BitbucketEmulator(seed, clock);
  await emulator.listen();
  const runtime = new LocalForgeRuntime({ root: ROOT, bitbucketBaseUrl: emulator.url, auth: { app: 'Bearer app' }, clock, queue });
  emulator.onEvent((event) => runtime.emit(event));
  const ws = emulator.seed.workspaces[0]!;
  const dump = () => runtime.installation(ws.uuid).kvs.dump();
  const records = () =>
    Object.entries(dump())
      .filter(([key]) => key.startsWith('v1:repo:'))
      .map(([, value]) => value as RepositoryRecord);
  const evidence = () =>
    Object.entries(dump())
      .filter(([key]) => key.startsWith('v1:ev:'))
      .map(([, value]) => value as EvidenceRecord);
  return { clock, emulator, runtime, ws, dump, records, evidence };
}

describe('app flows', () => {
  it('install → queue → consumers stores the same verdicts as a direct engine evaluation of the seed', async () => {
    const s = await sandbox();
    try {
      const policy = Policy.parse(demoPolicy(s.emulator.seed));
      await s.runtime.withInstallation(s.ws.uuid, () => createStore().putPolicy(policy));
      await s.runtime.install(s.ws.uuid);
      await s.runtime.drainQueues();
      // The install reads the ledger's merge times and merge commits too (about 720 requests): more than the
      // scans' share of an hour, so the rest waits for room in the rolling hour and the next hourly plan.
      await s.runtime.runFor(2 * 3_600_000);
      // The direct scan runs an hour later, so Bitbucket's hourly limit does not answer it with 429s.
      s.clock.advance(3_600_000);
      const direct = await scanWorkspace({
        client: createBitbucketClient({ request: appRequest() }),
        workspace: s.ws.uuid,
        policy,
        now: new Date(s.clock.now()),
        version: 'test',
      });
      const stored = new Map(s.records().map((record) => [record.slug, record]));
      expect(stored.size).toBe(direct.repositories.length);
      for (const repo of direct.repositories) {
        const record = stored.get(repo.slug)!;
        expect({ slug: repo.slug, results: record.results!.map((r) => [r.control, r.outcome, r.message]) }).toEqual({
          slug: repo.slug,
          results: repo.results.map((r) => [r.control, r.outcome, r.message]),
        });
      }
      const workspace = s.dump()['v1:ws'] as { results: Array<{ control: string; outcome: string }> };
      // The access-review controls read the app's own review records, which a direct engine scan does not have.
      const fromBitbucket = (r: { control: string }) => !controlById(r.control)?.needs.some((need) => need === 'accessReviews');
      expect(workspace.results.filter(fromBitbucket).map((r) => [r.control, r.outcome])).toEqual(
        direct.workspaceResults.filter(fromBitbucket).map((r) => [r.control, r.outcome]),
      );
      // The install backfilled the ledger with every pull request merged in the review window.
      const merged = s.ws.repositories
        .filter((repo) => repo.mainBranch && !['LAB'].includes(repo.projectKey) && repo.slug !== 'sandbox')
        .flatMap((repo) =>
          repo.pullRequests.filter((pr) => pr.state === 'MERGED' && Date.parse(pr.updatedOn) >= DEMO_NOW - 90 * 86_400_000),
        );
      expect(s.evidence()).toHaveLength(merged.length);
    } finally {
      await s.emulator.close();
    }
  });

  it('an event re-evaluates only the affected repository', async () => {
    const s = await sandbox();
    try {
      await s.runtime.install(s.ws.uuid);
      await s.runtime.drainQueues();
      s.emulator.log.length = 0;
      const repo = s.ws.repositories.find((candidate) => candidate.slug === 'ledger')!;
      await s.runtime.emit({
        eventType: 'avi:bitbucket:push:repository',
        timestamp: new Date(s.clock.now()).toISOString(),
        repository: { uuid: repo.uuid },
        workspace: { uuid: s.ws.uuid },
        push: { mainbranch: true },
      });
      await s.runtime.drainQueues();
      expect(s.emulator.log.length).toBeGreaterThan(0);
      expect(s.emulator.log.filter((entry) => !entry.path.startsWith(`/2.0/repositories/${s.ws.uuid}/${repo.uuid}`))).toEqual([]);
    } finally {
      await s.emulator.close();
    }
  });

  it('duplicate and reordered deliveries leave exactly one evidence record per merged pull request, and the newest state', async () => {
    const s = await sandbox(demoSeed(), { duplicate: true, reorder: true });
    try {
      await s.runtime.install(s.ws.uuid);
      await s.runtime.drainQueues();
      const before = s.evidence().length;
      const [ada, grace] = s.emulator.seed.users;
      const merged: number[] = [];
      for (const n of [1, 2, 3]) {
        const id = (
          await s.emulator.mutate({
            type: 'open-pull-request',
            workspace: 'acme',
            repository: 'ledger',
            title: `ACME-${n}`,
            authorId: ada!.accountId,
            sourceBranch: `feature/${n}`,
            sourceCommit: String(n).repeat(40),
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
        merged.push(id);
      }
      // Deliver each `fulfilled` event again, out of order.
      const repo = s.ws.repositories.find((candidate) => candidate.slug === 'ledger')!;
      for (const id of [...merged].reverse()) {
        await s.runtime.emit({
          eventType: 'avi:bitbucket:fulfilled:pullrequest',
          repository: { uuid: repo.uuid },
          workspace: { uuid: s.ws.uuid },
          pullrequest: { id, state: 'MERGED' },
        });
      }
      await s.runtime.drainQueues();
      const ledger = s.evidence().filter((record) => record.repositorySlug === 'ledger' && merged.includes(record.pullRequestId));
      expect(ledger.map((record) => record.pullRequestId).sort((a, b) => a - b)).toEqual(merged);
      expect(s.evidence()).toHaveLength(before + 3);
      expect(
        Object.keys(s.dump()).filter(
          (key) => key.startsWith('v1:evd:') && merged.some((id) => key.endsWith(`:${id}`)) && key.includes(repo.uuid.replace(/[{}]/g, '')),
        ),
      ).toHaveLength(3);
      // An older repository event delivered after a newer evaluation does not roll the state back.
      const stored = s.records().find((record) => record.slug === 'ledger')!;
      await s.runtime.emit({
        eventType: 'avi:bitbucket:updated:repository',
        timestamp: new Date(DEMO_NOW - 86_400_000).toISOString(),
        repository: { uuid: repo.uuid },
        workspace: { uuid: s.ws.uuid },
      });
      await s.runtime.drainQueues();
      expect(s.records().find((record) => record.slug === 'ledger')!.evaluatedAt).toBe(stored.evaluatedAt);
    } finally {
      await s.emulator.close();
    }
  });

  it.each([
    ['a 429 storm without Retry-After', 429],
    ['a 5xx burst', 503],
  ])('with %s during a merge, the evidence record lands once the faults stop', async (_name, status) => {
    const s = await sandbox();
    try {
      await s.runtime.install(s.ws.uuid);
      await s.runtime.drainQueues();
      const [ada, grace] = s.emulator.seed.users;
      const id = (
        await s.emulator.mutate({
          type: 'open-pull-request',
          workspace: 'acme',
          repository: 'ledger',
          title: 'ACME-77',
          authorId: ada!.accountId,
          sourceBranch: 'feature/77',
          sourceCommit: '7'.repeat(40),
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
      await s.runtime.drainQueues();
      // Every read of this pull request fails for the whole retry budget of the event and its queued job.
      s.emulator.addFault({ path: `/pullrequests/${id}($|/)`, kind: 'status', status, times: 40 });
      await s.emulator.mutate({
        type: 'merge-pull-request',
        workspace: 'acme',
        repository: 'ledger',
        pullRequestId: id,
        accountId: ada!.accountId,
      });
      await s.runtime.drainQueues();
      const has = () => s.evidence().some((record) => record.repositorySlug === 'ledger' && record.pullRequestId === id);
      expect(has()).toBe(false);
      s.emulator.clearFaults();
      // Three hours: the install's first evaluation (with catalogue v2's reads) and the ledger backfill share them.
      await s.runtime.runFor(3 * 3_600_000); // the next scheduled runs reconcile the ledger
      expect(s.evidence().filter((record) => record.repositorySlug === 'ledger' && record.pullRequestId === id)).toHaveLength(1);
    } finally {
      await s.emulator.close();
    }
  });

  it('evaluates every repository of a 1,000-repository workspace within the hourly budget, with zero 429s', async () => {
    const s = await sandbox(generateWorkspace(1000));
    try {
      await s.runtime.install(s.ws.uuid);
      let hours = 0;
      while (s.records().some((record) => record.evaluatedAt === null) || s.records().length < 1000) {
        await s.runtime.runFor(3_600_000);
        hours++;
        if (hours > 40) break;
      }
      const requests = s.emulator.log.length;
      expect(s.records().filter((record) => record.evaluatedAt !== null)).toHaveLength(1000);
      expect(s.emulator.log.filter((entry) => entry.status === 429)).toEqual([]);
      // Within 1.1 × (requests needed ÷ the scans' share of the hourly budget), plus the hour the install started in.
      expect(hours).toBeLessThanOrEqual(Math.ceil(1.1 * (requests / ceilingFor('scan', 800))) + 1);
    } finally {
      await s.emulator.close();
    }
  }, 600_000);
});
