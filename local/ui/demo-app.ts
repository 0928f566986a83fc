/**
 * The app installed and scanned over a seeded emulator, for looking at the UI without Bitbucket
 * (`attest render`, `attest preview`): every person of the seed has a token, so resolvers run as any of
 * them, and Bitbucket decides what each may do exactly as it would for the real app.
 */
import { z } from 'zod';
import { Policy } from '../../src/policy/policy';
import { createStore } from '../../src/store/store';
import { BitbucketEmulator } from '../emulator/server';
import type { Seed } from '../emulator/model';
import { DEMO_NOW, demoPolicy, loadSeed } from '../emulator/seeds';
import { SimClock } from '../runtime/clock';
import { LocalForgeRuntime } from '../runtime/runtime';
import { ROOT } from '../cli/app-session';
import { CliError } from '../cli/errors';

/** The UI modules of the manifest, by the name the commands use. */
export const UI_MODULES = {
  dashboard: { key: 'compliance-dashboard', file: 'dashboard', component: 'Dashboard', title: 'Compliance dashboard' },
  settings: { key: 'compliance-settings', file: 'settings', component: 'Settings', title: 'Compliance settings' },
  'repository-card': { key: 'repository-compliance-card', file: 'repository-card', component: 'RepositoryCard', title: 'Repository card' },
  'pull-request-card': {
    key: 'pull-request-compliance-card',
    file: 'pull-request-card',
    component: 'PullRequestCard',
    title: 'Pull-request card',
  },
} as const;

export type UiModuleName = keyof typeof UI_MODULES;

export function isUiModuleName(value: string | undefined): value is UiModuleName {
  return value !== undefined && Object.prototype.hasOwnProperty.call(UI_MODULES, value);
}

export interface DemoApp {
  emulator: BitbucketEmulator;
  runtime: LocalForgeRuntime;
  workspace: Seed['workspaces'][number];
  /** The seed's people; the first is the one the UI acts as unless told otherwise. */
  people: Seed['users'];
  close(): Promise<void>;
}

/** Simulated hours the first evaluation may take before the UI is shown anyway (with its progress). */
const FIRST_EVALUATION_HOURS = 6;

/**
 * Runs the simulated clock an hour at a time until every repository has results and the dashboard's summary
 * holds them: the first evaluation of the demo (and the install's ledger backfill) takes more than one hour's
 * share of Bitbucket's limit, as it would.
 */
async function untilEvaluated(runtime: LocalForgeRuntime, workspaceUuid: string): Promise<void> {
  const settled = () =>
    runtime.withInstallation(workspaceUuid, async () => {
      const store = createStore();
      const [records, summary] = await Promise.all([store.listRepositories(), store.getSummary()]);
      if (records.some((record) => record.evaluatedAt === null)) return false;
      // The dashboard shows the summary: it must have folded in the last evaluation too.
      const last = records.reduce((latest, record) => (record.evaluatedAt! > latest ? record.evaluatedAt! : latest), '');
      const folded = summary?.meta.foldedThrough ?? null;
      return folded !== null && folded >= last;
    });
  for (let hour = 0; hour < FIRST_EVALUATION_HOURS && !(await settled()); hour++) await runtime.runFor(3_600_000);
}

/**
 * The delivery backfill (docs/delivery-metrics.md) starts with the first hourly plan after the compliance scan
 * is complete and reads the demo's 26 weeks within that hour's share: the Delivery tab then has its figures.
 */
async function untilDeliveryMeasured(runtime: LocalForgeRuntime, workspaceUuid: string): Promise<void> {
  const measured = () => runtime.withInstallation(workspaceUuid, async () => (await createStore().getFlowSync()).backfilledAt !== null);
  for (let hour = 0; hour < FIRST_EVALUATION_HOURS && !(await measured()); hour++) await runtime.runFor(3_600_000);
}

/**
 * The demo's access review in progress, as the UI would make it: the first person (a workspace owner) starts a
 * review of the whole workspace due in two weeks, with the fifth (a collaborator) reviewing Payments; the
 * snapshot is read; the owner keeps two workspace members and revokes the offboarded one.
 */
async function reviewInProgress(runtime: LocalForgeRuntime, demo: { workspaceUuid: string; people: Seed['users'] }): Promise<void> {
  const [owner, , , , payments] = demo.people;
  if (!owner || !payments) return;
  const as = (accountId: string) => ({ workspaceUuid: demo.workspaceUuid, accountId });
  const dueOn = new Date(runtime.clock.now() + 14 * 86_400_000).toISOString().slice(0, 10);
  const started = ReviewStarted.parse(
    await runtime.resolve(
      'compliance-dashboard',
      'access-review/start',
      { projects: null, dueOn, owner: owner.accountId, reviewersByProject: { PAY: payments.accountId } },
      as(owner.accountId),
    ),
  );
  await runtime.drainQueues();
  const review = ReviewItems.parse(
    await runtime.resolve('compliance-dashboard', 'access-review/get', { id: started.data.id }, as(owner.accountId)),
  );
  const members = review.data.items.filter((item) => item.kind === 'member' && item.canDecide);
  const flagged = members.filter((item) => item.suggestion?.decision === 'revoke');
  const decisions = [
    ...flagged.map((item) => ({ itemId: item.id, decision: 'revoke', reason: item.suggestion?.reason ?? 'flagged' })),
    ...members
      .filter((item) => !flagged.includes(item))
      .slice(0, 2)
      .map((item) => ({ itemId: item.id, decision: 'keep', reason: 'still on the team' })),
  ];
  await runtime.resolve('compliance-dashboard', 'access-review/decide', { id: started.data.id, decisions }, as(owner.accountId));
}

const ReviewStarted = z.object({ ok: z.literal(true), data: z.object({ id: z.string() }) });
const ReviewItems = z.object({
  ok: z.literal(true),
  data: z.object({
    items: z.array(
      z.object({
        id: z.string(),
        kind: z.string(),
        canDecide: z.boolean(),
        suggestion: z.object({ decision: z.string(), reason: z.string() }).nullable(),
      }),
    ),
  }),
});

/** Starts the emulator, installs the app and runs the install scan to the end. */
export async function startDemoApp(seedName: string): Promise<DemoApp> {
  let seed: Seed;
  try {
    seed = loadSeed(seedName);
  } catch (error) {
    throw new CliError(2, error instanceof Error ? error.message : String(error));
  }
  const credentials = [
    { token: 'ui-app', admin: true },
    ...seed.users.map((user) => ({ token: `ui-${user.accountId}`, admin: false, accountId: user.accountId })),
  ];
  const clock = new SimClock(seed.now ? Date.parse(seed.now) : DEMO_NOW);
  const emulator = new BitbucketEmulator({ ...seed, credentials }, clock);
  await emulator.listen();
  try {
    const users = Object.fromEntries(seed.users.map((user) => [user.accountId, `Bearer ui-${user.accountId}`]));
    const runtime = new LocalForgeRuntime({ root: ROOT, bitbucketBaseUrl: emulator.url, auth: { app: 'Bearer ui-app', users }, clock });
    const workspace = emulator.seed.workspaces[0];
    if (!workspace) throw new CliError(2, `the seed ${seedName} has no workspace`);
    if (seedName === 'demo')
      await runtime.withInstallation(workspace.uuid, () => createStore().putPolicy(Policy.parse(demoPolicy(emulator.seed))));
    await runtime.install(workspace.uuid);
    await runtime.drainQueues();
    await untilEvaluated(runtime, workspace.uuid);
    await untilDeliveryMeasured(runtime, workspace.uuid);
    if (seedName === 'demo') await reviewInProgress(runtime, { workspaceUuid: workspace.uuid, people: seed.users });
    return { emulator, runtime, workspace, people: seed.users, close: () => emulator.close() };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}

/**
 * Where a module is shown: the product context Bitbucket gives it. Cards get their repository (and pull
 * request). With `evaluate`, a pull-request card's pull request is evaluated first, as the pull-request
 * events would have: once when a page opens, not on every resolver call it makes.
 */
/**
 * The module context Bitbucket would give `name`: the repository (and pull request) it is shown on.
 * `evaluate` (default true) first delivers the pull-request event, so the card has stored checks to show.
 */
export async function moduleExtension(
  app: DemoApp,
  name: UiModuleName,
  where: { repository?: string | undefined; pullRequest?: string | number | undefined; evaluate?: boolean } = {},
): Promise<Record<string, unknown>> {
  const { repository, pullRequest, evaluate = true } = where;
  if (name !== 'repository-card' && name !== 'pull-request-card') return {};
  const ws = app.workspace;
  const slug = repository ?? ws.repositories[0]?.slug;
  const repo = ws.repositories.find((candidate) => candidate.slug === slug || candidate.uuid === slug);
  if (!repo) throw new CliError(2, `--repository: no repository ${slug ?? ''} in workspace ${ws.slug}`);
  const extension: Record<string, unknown> = { repository: { uuid: repo.uuid } };
  if (name === 'pull-request-card') {
    const id = Number(pullRequest ?? repo.pullRequests.find((pr) => pr.state === 'OPEN')?.id ?? repo.pullRequests[0]?.id);
    if (!Number.isInteger(id) || id <= 0)
      throw new CliError(2, `--pull-request: ${String(pullRequest ?? 'none')} is not a pull request of ${repo.slug}`);
    extension.pullRequest = { id };
    if (evaluate)
      await app.runtime.emit({
        eventType: 'avi:bitbucket:updated:pullrequest',
        repository: { uuid: repo.uuid },
        workspace: { uuid: ws.uuid },
        pullrequest: { id },
      });
  }
  return extension;
}
