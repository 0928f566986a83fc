/**
 * Delivery metrics end to end (docs/delivery-metrics.md): the install's backfill over the demo workspace, the
 * Delivery tab's figures against the emulator's own state, the same figures from `attest metrics`, the evidence
 * ledger's merged count, and events that cost no request of their own and leave the figures unchanged when
 * delivered twice or out of order.
 */
import type { MetricsReport } from '../../local/cli/metrics-command';
import type { ForgeEvent } from '../../local/emulator/server';
import { weeksEnding } from '../../src/metrics/weeks';
import { createStore } from '../../src/store/store';
import { runAttest } from '../builders/cli';
import { APP_TOKEN } from '../builders/credentials';
import { startPeopleSandbox } from '../engine/sandbox';

type Envelope<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };
interface Delivery {
  overview: { coverage: string; repositories: number; window: { weeks: number; since: string; figures: MetricsReport['figures'] } } | null;
  rows: Array<{
    uuid: string;
    slug: string;
    project: string | null;
    coverage: string;
    numbers: MetricsReport['repositories'][number]['numbers'];
  }>;
  projects: unknown[] | null;
  advisory: { outcome: string };
}

describe('delivery metrics', () => {
  let s: Awaited<ReturnType<typeof startPeopleSandbox>>;
  let ws: Awaited<ReturnType<typeof startPeopleSandbox>>['emulator']['seed']['workspaces'][number];
  const events: ForgeEvent[] = [];
  const admin = () => s.emulator.seed.users[0]!.accountId;
  const call = async (payload: unknown, accountId = admin()) =>
    (await s.runtime.resolve('compliance-dashboard', 'delivery/get', payload, { workspaceUuid: ws.uuid, accountId })) as Envelope<Delivery>;
  const delivery = async (payload: unknown = {}) => {
    const answer = await call(payload);
    if (!answer.ok) throw new Error(answer.error.message);
    return answer.data;
  };
  const sync = () => s.runtime.withInstallation(ws.uuid, () => createStore().getFlowSync());

  beforeAll(async () => {
    s = await startPeopleSandbox();
    s.emulator.onEvent((event) => void events.push(event));
    ws = s.emulator.seed.workspaces[0]!;
    await s.runtime.install(ws.uuid);
    await s.runtime.drainQueues();
    // The compliance scan first, then the delivery backfill within the hours' budget.
    for (let hour = 0; hour < 36 && (await sync()).backfilledAt === null; hour++) await s.runtime.runFor(3_600_000);
  }, 600_000);
  afterAll(() => s.emulator.close());

  /** What the emulator holds, counted directly: the population the figures are about. */
  function truth(since: string) {
    const now = new Date(s.clock.now()).toISOString();
    const within = (instant: string | null) => instant !== null && instant >= since && instant <= now;
    const prs = ws.repositories.flatMap((repo) => repo.pullRequests.map((pr) => ({ repo, pr })));
    const production = ws.repositories.flatMap((repo) => {
      const envs = new Set(repo.environments.filter((env) => env.type === 'Production').map((env) => env.uuid));
      return repo.deployments.filter((d) => envs.has(d.environmentUuid) && within(d.completedOn) && d.status !== 'STOPPED');
    });
    return {
      opened: prs.filter(({ pr }) => within(pr.createdOn)).length,
      merged: prs.filter(({ pr }) => pr.state === 'MERGED' && within(pr.mergedOn)).length,
      mergedProtected: prs.filter(
        ({ repo, pr }) => pr.state === 'MERGED' && within(pr.mergedOn) && pr.destinationBranch === repo.mainBranch,
      ).length,
      // Approved by someone other than the author within 5 minutes of the opening (no later pushes) on 500 lines or more.
      rubberStamps: prs.filter(
        ({ pr }) =>
          pr.state === 'MERGED' &&
          within(pr.mergedOn) &&
          pr.diffstat.reduce((sum, file) => sum + file.added + file.removed, 0) >= 500 &&
          pr.participants.some(
            (p) =>
              p.approved &&
              p.accountId !== pr.authorId &&
              p.participatedOn !== null &&
              Date.parse(p.participatedOn) - Date.parse(pr.createdOn) <= 5 * 60_000,
          ),
      ).length,
      deployments: production.length,
      deploymentFailures: production.filter((d) => d.status === 'FAILED').length,
    };
  }

  it('backfills once the compliance scan is done, and the Delivery tab matches what Bitbucket holds', async () => {
    const state = await sync();
    expect(state.lastPass).toMatchObject({ mode: 'backfill', repositories: ws.repositories.length });
    const data = await delivery();
    const window = data.overview!.window;
    expect(window.since).toBe(`${weeksEnding(new Date(s.clock.now()), 12)[0]}T00:00:00.000Z`);
    const expected = truth(window.since);
    expect(expected.merged).toBeGreaterThan(0);
    expect(expected.rubberStamps).toBeGreaterThan(0);
    expect(window.figures).toMatchObject(expected);
    expect(data.overview!.coverage).toBe('measured');
    expect(window.figures.changeFailures).toBeGreaterThanOrEqual(1);
    expect(window.figures.restoreMinutes.median).toBe(180);
    expect(window.figures.firstReviewMinutes.n).toBeGreaterThan(0);
    expect(data.rows).toHaveLength(ws.repositories.length);
  });

  it('`attest metrics` prints the dashboard’s figures for the same weeks', async () => {
    const data = await delivery();
    const args = [
      'metrics',
      '--workspace',
      'acme',
      '--base-url',
      s.emulator.url,
      '--since',
      data.overview!.window.since.slice(0, 10),
      '--until',
      new Date(s.clock.now()).toISOString(),
      '--format',
      'json',
    ];
    // The real `attest` in its own process, as a person runs it (it sets up a Forge runtime of its own).
    const result = await runAttest(args, { BITBUCKET_TOKEN: APP_TOKEN });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(result.stdout) as MetricsReport;
    expect(report.weeks).toHaveLength(12);
    expect(report.figures).toEqual(data.overview!.window.figures);
    const bySlug = (rows: Array<{ slug: string }>) => [...rows].sort((a, b) => a.slug.localeCompare(b.slug));
    expect(bySlug(report.repositories)).toEqual(
      bySlug(data.rows.map(({ slug, project, coverage, numbers }) => ({ slug, project, coverage, numbers }))),
    );
  });

  it('agrees with the evidence ledger on merges into protected branches', async () => {
    const data = await delivery();
    const since = data.overview!.window.since.slice(0, 10);
    const until = new Date(s.clock.now()).toISOString();
    const evidence = (await s.runtime.resolve(
      'compliance-dashboard',
      'evidence/get',
      { since, until },
      { workspaceUuid: ws.uuid, accountId: admin() },
    )) as Envelope<{ merged: number }>;
    expect(evidence).toMatchObject({ ok: true, data: { merged: data.overview!.window.figures.mergedProtected } });
  });

  it('counts a new pull request from its events with no request of its own, and duplicates change nothing', async () => {
    const before = (await delivery()).overview!.window.figures;
    const [ada, grace] = [s.emulator.seed.users[1]!.accountId, s.emulator.seed.users[2]!.accountId];
    const repository = ws.repositories.find((repo) => repo.slug === 'payments-api')!;
    events.length = 0;
    const mark = s.emulator.log.length;
    const mutate = (mutation: Record<string, unknown>) =>
      s.emulator.mutate({ workspace: 'acme', repository: repository.slug, ...mutation } as Parameters<typeof s.emulator.mutate>[0]);
    const id = (
      await mutate({
        type: 'open-pull-request',
        title: 'ACME-9: faster ledger',
        authorId: ada,
        sourceBranch: 'feature/ACME-9',
        sourceCommit: 'c3'.repeat(20),
        linesAdded: 900,
        linesRemoved: 100,
      })
    ).pullRequestId!;
    await s.runtime.drainQueues();
    s.clock.advance(2 * 60_000);
    await mutate({ type: 'review', pullRequestId: id, accountId: grace, decision: 'approve' });
    await s.runtime.drainQueues();
    await mutate({ type: 'merge-pull-request', pullRequestId: id, accountId: grace });
    await s.runtime.drainQueues();
    const paths = s.emulator.log.slice(mark).map((entry) => entry.path);
    // Nothing beyond what the checks and the evidence record read, except the diffstat of a quick approval.
    expect(
      paths.filter((path) => /\/(activity|deployments|environments)\b/.test(path) && !/pullrequests\/\d+\/activity/.test(path)),
    ).toEqual([]);
    expect(paths.filter((path) => path.endsWith('/diffstat'))).toHaveLength(1);
    await s.runtime.runFor(3_600_000);
    const after = (await delivery()).overview!.window.figures;
    expect({
      opened: after.opened - before.opened,
      merged: after.merged - before.merged,
      rubberStamps: after.rubberStamps - before.rubberStamps,
    }).toEqual({ opened: 1, merged: 1, rubberStamps: 1 });
    const facts = () => s.runtime.withInstallation(ws.uuid, () => createStore().listFacts(repository.uuid));
    const stored = await facts();
    // Every event again, newest first, then in order: the facts and the figures stay as they are.
    for (const event of [...events].reverse().concat(events)) await s.runtime.emit(event);
    await s.runtime.drainQueues();
    expect((await facts()).map(({ observedAt: _o, ...rest }) => rest)).toEqual(stored.map(({ observedAt: _o, ...rest }) => rest));
    await s.runtime.runFor(3_600_000);
    expect((await delivery()).overview!.window.figures).toEqual(after);
  });

  it('shows members only the repositories they can read, and projects to administrators', async () => {
    const member = s.emulator.seed.users[9]!.accountId;
    const answer = await call({}, member);
    expect(answer.ok).toBe(true);
    if (answer.ok) {
      expect(answer.data.projects).toBeNull();
      expect(answer.data.rows.length).toBeLessThan(ws.repositories.length);
    }
    expect((await delivery()).projects).not.toBeNull();
    expect(await call({ weeks: 5 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('drops a deleted repository from the figures', async () => {
    const gone = ws.repositories.find((repo) => repo.slug === 'docs-site')!;
    const uuid = gone.uuid.replace(/[{}]/g, '');
    expect((await delivery()).rows.map((row) => row.uuid)).toContain(uuid);
    const count = ws.repositories.length;
    await s.emulator.mutate({ type: 'delete-repository', workspace: 'acme', repository: 'docs-site' });
    await s.runtime.drainQueues();
    await s.runtime.runFor(3_600_000);
    const data = await delivery();
    expect(data.rows.map((row) => row.uuid)).not.toContain(uuid);
    expect(data.overview?.repositories).toBe(count - 1);
  });
});
