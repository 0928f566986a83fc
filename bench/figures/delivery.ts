/**
 * Delivery metrics (docs/delivery-metrics.md): Bitbucket requests for the backfill per 100 pull requests, extra
 * requests per pull-request event (the checks' own reads excluded), and the Delivery tab's KVS reads at a size.
 */
import { DEMO_NOW, demoSeed, generateWorkspace } from '../../local/emulator/seeds';
import { appRequest, createBitbucketClient } from '../../src/bitbucket/client';
import { listRepositories } from '../../src/bitbucket/api';
import { backfillRepository } from '../../src/services/delivery';
import { rollupFlow } from '../../src/services/delivery-rollup';
import { RETENTION_WEEKS } from '../../src/store/flow-records';
import { weeksEnding } from '../../src/metrics/weeks';
import { Policy } from '../../src/policy/policy';
import { createStore } from '../../src/store/store';
import { kvsPeaks, sandbox, type Figure } from '../sandbox';

const DELIVERY_PATHS = /\/pullrequests\/activity|\/diffstat|\/environments|\/deployments$|\/pullrequests\?|\/pullrequests$/;

/** The backfill of the demo workspace (44 repositories, every pull request of 26 weeks): requests by endpoint. */
export async function deliveryBackfill(): Promise<Figure> {
  const s = await sandbox(demoSeed());
  const now = new Date(DEMO_NOW);
  const policy = Policy.parse({});
  const started = s.emulator.log.length;
  let pullRequests = 0;
  await s.runtime.withInstallation(s.ws.uuid, async () => {
    const client = createBitbucketClient({ request: appRequest() });
    const store = createStore();
    for (const repository of (await listRepositories(client, s.ws.uuid)).values)
      pullRequests += (
        await backfillRepository(
          { client, store, workspaceUuid: s.ws.uuid, policy, now },
          { uuid: repository.uuid, mainBranch: repository.mainbranch?.name ?? null },
        )
      ).pullRequests;
  });
  const paths = s.emulator.log.slice(started).map((entry) => entry.path);
  const count = (pattern: RegExp) => paths.filter((path) => pattern.test(path)).length;
  const byEndpoint = {
    listing: count(/\/pullrequests$/) + count(/\/pullrequests\?/),
    activity: count(/\/pullrequests\/activity/),
    diffstat: count(/\/pullrequests\/\d+\/diffstat/),
    environments: count(/\/environments/),
    deployments: count(/\/deployments/),
  };
  const requests = Object.values(byEndpoint).reduce((a, b) => a + b, 0) - count(/\/repositories\/[^/]+$/);
  const total = paths.length - 1; // less the repository listing
  await s.emulator.close();
  const per100 = (n: number) => ((n / pullRequests) * 100).toFixed(1);
  return {
    figure: 'Delivery backfill of the demo workspace: Bitbucket requests per 100 pull requests (26 weeks, every state)',
    value: `${total} requests for ${pullRequests} pull requests in ${s.ws.repositories.length} repositories: ${per100(total)} per 100 (listing ${byEndpoint.listing}, repository activity ${byEndpoint.activity}, diffstat ${byEndpoint.diffstat}, environments ${byEndpoint.environments}, deployments ${byEndpoint.deployments}); one activity request per pull request would be ${pullRequests}`,
    target: 'stated; fewer than one request per pull request',
    data: { pullRequests, repositories: s.ws.repositories.length, requests: total, byEndpoint, counted: requests },
  };
}

/** The requests a pull request's life costs with delivery metrics, against what the checks and the evidence read. */
export async function deliveryEventCosts(size: number): Promise<Figure> {
  const s = await sandbox(generateWorkspace(size, 1));
  const repo = s.ws.repositories[0]!;
  const [author, reviewer] = [s.emulator.seed.users[0]!.accountId, s.emulator.seed.users[1]!.accountId];
  const where = { workspace: s.ws.slug, repository: repo.slug };
  const life = async (quick: boolean, n: number) => {
    const start = s.emulator.log.length;
    const commit = (quick ? 'a' : 'b').repeat(39) + String(n);
    const id = (
      await s.emulator.mutate({
        type: 'open-pull-request',
        ...where,
        title: `X-${n}`,
        authorId: author,
        sourceBranch: `feature/${n}`,
        sourceCommit: commit,
        linesAdded: 900,
      })
    ).pullRequestId!;
    await s.runtime.drainQueues();
    s.clock.advance(quick ? 60_000 : 3 * 3_600_000);
    await s.emulator.mutate({ type: 'review', ...where, pullRequestId: id, accountId: reviewer, decision: 'approve' });
    await s.runtime.drainQueues();
    await s.emulator.mutate({ type: 'merge-pull-request', ...where, pullRequestId: id, accountId: reviewer });
    await s.runtime.drainQueues();
    const paths = s.emulator.log.slice(start).map((entry) => entry.path);
    return { total: paths.length, extra: paths.filter((path) => DELIVERY_PATHS.test(path) && !/\/pullrequests\/\d+$/.test(path)).length };
  };
  const slow = await life(false, 1);
  const quick = await life(true, 2);
  await s.emulator.close();
  return {
    figure: `Delivery metrics per pull-request event at ${size.toLocaleString('en')} repositories: Bitbucket requests beyond what the checks and the evidence record read`,
    value: `open, approve, merge: ${slow.extra} extra requests (of ${slow.total}); with an approval within 5 minutes of the last push: ${quick.extra} (the diffstat at merge, of ${quick.total})`,
    target: '0 beyond what the checks already read; the diffstat (a 302 and its target: 2 HTTP requests) only for a quick approval',
    data: { size, slow, quick },
  };
}

/** The Delivery tab at `size` repositories: KVS reads per load (the rollup's rows written first). */
export async function deliveryDashboard(size: number): Promise<Figure> {
  const s = await sandbox(generateWorkspace(size, 0), { kvs: { rateLimits: 'count' } });
  const installation = s.runtime.installation(s.ws.uuid);
  const now = new Date(DEMO_NOW);
  const weeks = weeksEnding(now, RETENTION_WEEKS);
  const rollupStart = Date.now();
  const rollupRead = { bytes: 0, queries: 0, simStart: 0, simMinutes: 0 };
  await s.runtime.withInstallation(s.ws.uuid, async () => {
    const store = createStore();
    for (const [i, repo] of s.ws.repositories.entries()) {
      // Written as the rollup writes them, 500 a minute (the set-up is not what is measured).
      if (i > 0 && i % 500 === 0) s.clock.advance(60_000);
      await store.putFlowRow(syntheticRow({ repo, i, weeks, now }));
    }
    const before = { ...installation.kvs.stats };
    rollupRead.simStart = s.clock.now();
    await rollupFlow(store, { now, rules: { rubberStampMinutes: 5, largeDiffLines: 500, hotfixBranches: [] }, force: true });
    const after = installation.kvs.stats;
    rollupRead.bytes = after.bytesRead - before.bytesRead;
    rollupRead.queries = after.queries - before.queries;
    rollupRead.simMinutes = (s.clock.now() - rollupRead.simStart) / 60_000;
  });
  const rollupMs = Date.now() - rollupStart;
  const owner = s.emulator.seed.users[0]!.accountId;
  const measure = async () => {
    const before = { ...installation.kvs.stats };
    await s.runtime.resolve('compliance-dashboard', 'delivery/get', { weeks: 12 }, { workspaceUuid: s.ws.uuid, accountId: owner });
    const after = installation.kvs.stats;
    return { reads: after.reads - before.reads, queries: after.queries - before.queries, bytes: after.bytesRead - before.bytesRead };
  };
  await measure(); // the person's first load fills the viewer cache (as for every tab)
  const load = await measure();
  const sizes = Object.entries(installation.kvs.dump())
    .filter(([key]) => /^v1:f[otp]/.test(key))
    .map(([, value]) => Buffer.byteLength(JSON.stringify(value)));
  await s.emulator.close();
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  return {
    figure: `Delivery tab at ${size.toLocaleString('en')} repositories: KVS reads per load, and the rollup's values`,
    value: `${load.reads} values read (${load.queries} queries), ${kib(load.bytes)} per load; the rollup read ${kib(rollupRead.bytes)} in ${rollupRead.queries} queries (about ${Math.ceil(rollupRead.bytes / 10240).toLocaleString('en')} read units, paced over ${rollupRead.simMinutes.toFixed(0)} minutes; ${kvsPeaks(s).text}) and wrote ${sizes.length} values, largest ${kib(Math.max(...sizes))}; writing the rows and rolling up took ${(rollupMs / 1000).toFixed(1)} s`,
    target: 'a constant number of reads whatever the size; every value under 240 KiB',
    data: { size, load, rollupRead, rollupValues: sizes.length, largestValue: Math.max(...sizes), rollupMs },
  };
}

/** A repository that merged a few pull requests each week, with durations varying by repository. */
function syntheticRow(at: { repo: { uuid: string; slug: string; projectKey: string }; i: number; weeks: string[]; now: Date }) {
  const { repo, i, weeks, now } = at;
  const measured = i % 3 === 0;
  return {
    uuid: repo.uuid.replace(/[{}]/g, ''),
    slug: repo.slug,
    project: repo.projectKey,
    computedAt: now.toISOString(),
    coverage: measured ? ('measured' as const) : ('no-production' as const),
    pullRequests: 3 * RETENTION_WEEKS,
    weeks: weeks.map((week, w) => ({
      week,
      opened: 3,
      merged: 3,
      mergedProtected: 2,
      declined: 0,
      independent: 2,
      firstReview: [30 + (i % 50), 90 + w, 240],
      approval: [60 + (i % 50), 180],
      cycle: [300 + i, 1200 + w, 2880],
      reviews: { [`reviewer-${i % 40}`]: 2, [`reviewer-${(i + 1) % 40}`]: 1 },
      rubberStamps: i % 7 === 0 ? 1 : 0,
      rubberStampUnknown: 0,
      deployments: measured ? 2 : 0,
      deploymentFailures: 0,
      changeFailures: measured && w % 5 === 0 ? 1 : 0,
      leadTime: measured ? [600, 1500] : [],
      restore: measured && w % 5 === 0 ? [120] : [],
    })),
  };
}
