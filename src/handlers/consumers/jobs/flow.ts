/**
 * Delivery-metrics jobs (docs/delivery-metrics.md). `flow-rollup`, queued by every hourly plan: folds the
 * repositories whose facts changed into the workspace's figures (KVS only). The plan also starts a sync pass when
 * one is due (`scheduleFlowPass`). `flow-pass`: reads the repositories the plan listed, in UUID order after the
 * pass's `after`, within the hour's share of Bitbucket's limit (a spent hour waits as a new job), writing
 * progress after each repository, so a redelivered job goes on from where the last one stopped.
 */
import { BitbucketError } from '../../../bitbucket/errors';
import { unwrapUuid } from '../../../lib/uuid';
import { backfillRepository, flowRules, readDeployments } from '../../../services/delivery';
import { rollupFlow } from '../../../services/delivery-rollup';
import { ledgeredAppClient } from '../../../services/request-ledger';
import { enqueue, type QueuedJob } from '../../../services/scan-jobs';
import type { FlowSyncState } from '../../../store/flow-records';
import { secondsUntilRoom, type JobContext, type JobOf, type JobResult } from './shared';

const DELIVERY_BUDGET_MS = 600_000;
/** Deployments are read again a day after the last pass; a pass with no progress for two hours is picked up again. */
const PASS_EVERY_MS = 24 * 3_600_000;
const STALLED_MS = 2 * 3_600_000;

export async function flowRollupJob(job: JobOf<'flow-rollup'>, { store, log, at }: JobContext): Promise<JobResult> {
  const rules = flowRules(await store.getPolicy());
  const rolled = await rollupFlow(store, { now: at, rules });
  if (rolled.changed) log.info('Delivery figures rolled up', { more: rolled.more });
  if (rolled.more) await enqueue([{ job: { ...job, cause: 'flow-rollup-continued' }, delayInSeconds: 60 }]);
}

/**
 * Called by the hourly plan with its listing: starts a sync pass when one is due (the backfill once the compliance
 * scan has evaluated every repository; then the deployments once a day), keeping the listed repositories for it so
 * the pass never lists them again; picks up a pass with no progress for two hours. The jobs to queue.
 */
export async function scheduleFlowPass(
  ctx: Pick<JobContext, 'store' | 'log' | 'at'>,
  plan: {
    workspaceUuid: string;
    cause: string;
    listed: { repositories: Array<{ uuid: string; mainBranch: string | null }>; truncated: boolean };
  },
): Promise<QueuedJob[]> {
  const { store, log, at } = ctx;
  const sync = await store.getFlowSync();
  const scanned = (await store.getScan()).lastFullPassAt !== null;
  const due = passDue(sync, at, scanned);
  if (due === null) return [];
  let pass = due.resume;
  if (!pass) {
    const id = `fp-${at.getTime().toString(36)}`;
    if (plan.listed.truncated) log.warn('The repository list was cut short: the delivery pass covers what was listed');
    const listChunks = await store.putPassList(id, plan.listed.repositories);
    const started = at.toISOString();
    pass = {
      id,
      mode: due.mode,
      startedAt: started,
      updatedAt: started,
      after: null,
      listChunks,
      repositories: 0,
      pullRequests: 0,
      requests: 0,
    };
  }
  await store.putFlowSync({ ...sync, pass: { ...pass, updatedAt: at.toISOString() } });
  log.info('Delivery sync pass queued', { pass: pass.id, mode: pass.mode, resumed: due.resume !== null });
  return [{ job: { kind: 'flow-pass', workspaceUuid: plan.workspaceUuid, passId: pass.id, cause: plan.cause } }];
}

function passDue(
  sync: FlowSyncState,
  at: Date,
  scanned: boolean,
): { mode: 'backfill' | 'deployments'; resume: FlowSyncState['pass'] } | null {
  if (sync.pass) return at.getTime() - Date.parse(sync.pass.updatedAt) > STALLED_MS ? { mode: sync.pass.mode, resume: sync.pass } : null;
  if (sync.backfilledAt === null) return scanned ? { mode: 'backfill', resume: null } : null;
  const last = sync.lastPass?.completedAt ?? sync.backfilledAt;
  return at.getTime() - Date.parse(last) >= PASS_EVERY_MS ? { mode: 'deployments', resume: null } : null;
}

export async function flowPassJob(job: JobOf<'flow-pass'>, { store, log, at }: JobContext): Promise<JobResult> {
  const sync = await store.getFlowSync();
  const pass = sync.pass;
  // Another pass replaced this one, or it finished: a late or duplicate delivery has nothing to do.
  if (!pass || pass.id !== job.passId) return;
  const client = await ledgeredAppClient(store, { kind: 'scan', chunk: 20, log });
  const policy = await store.getPolicy();
  const progress = { ...pass };
  let done = false;
  try {
    // The repositories the plan listed when the pass started, in UUID order: no listing of its own.
    const remaining = (await store.getPassList(pass.id, pass.listChunks)).filter(
      (repository) => progress.after === null || unwrapUuid(repository.uuid) > progress.after,
    );
    const started = Date.now();
    done = remaining.length === 0;
    for (const [i, repository] of remaining.entries()) {
      if (Date.now() - started > DELIVERY_BUDGET_MS) break;
      progress.pullRequests += await syncOne(
        { client, store, policy, workspaceUuid: job.workspaceUuid, now: at, log },
        { repository, mode: pass.mode },
      );
      progress.repositories++;
      progress.after = unwrapUuid(repository.uuid);
      done = i === remaining.length - 1;
    }
  } catch (error) {
    if (!(error instanceof BitbucketError) || (error.kind !== 'hour-spent' && error.kind !== 'rate-limited')) {
      await client.settle();
      throw error;
    }
  }
  await client.settle();
  progress.requests += client.budget.used;
  progress.updatedAt = at.toISOString();
  if (!done) {
    await store.putFlowSync({ ...sync, pass: progress });
    const delay = client.budget.roomAt === null ? 0 : secondsUntilRoom(client.budget.roomAt, at);
    await enqueue([{ job: { ...job, cause: 'flow-pass-continued' }, delayInSeconds: delay }]);
    return;
  }
  await finish(store, { sync, progress, at, log, workspaceUuid: job.workspaceUuid });
}

/** One repository of a pass; a refusal of its own is logged and the pass goes on (its facts stay event-fed). */
async function syncOne(
  ctx: Parameters<typeof backfillRepository>[0] & { log: JobContext['log'] },
  target: { repository: { uuid: string; mainBranch: string | null }; mode: 'backfill' | 'deployments' },
): Promise<number> {
  const { repository, mode } = target;
  try {
    if (mode === 'deployments') {
      await ctx.store.putDeployments(
        repository.uuid,
        await readDeployments(ctx.client, { workspaceUuid: ctx.workspaceUuid, repositoryUuid: repository.uuid, now: ctx.now }),
      );
      return 0;
    }
    const synced = await backfillRepository(ctx, repository);
    if (synced.gaps.length > 0)
      ctx.log.warn('Delivery backfill incomplete for a repository', { repository: repository.uuid, gaps: synced.gaps.join('; ') });
    return synced.pullRequests;
  } catch (error) {
    if (!(error instanceof BitbucketError) || error.kind === 'hour-spent' || error.kind === 'rate-limited') throw error;
    ctx.log.warn('Delivery sync could not read a repository', { repository: repository.uuid, kind: error.kind, status: error.status });
    return 0;
  }
}

async function finish(
  store: JobContext['store'],
  ctx: { sync: FlowSyncState; progress: NonNullable<FlowSyncState['pass']>; at: Date; log: JobContext['log']; workspaceUuid: string },
): Promise<void> {
  const { sync, progress, at, log } = ctx;
  const { mode, repositories, pullRequests, requests } = progress;
  await store.putFlowSync({
    pass: null,
    backfilledAt: mode === 'backfill' ? at.toISOString() : sync.backfilledAt,
    lastPass: { mode, completedAt: at.toISOString(), repositories, pullRequests, requests },
  });
  const rolled = await rollupFlow(store, { now: at, rules: flowRules(await store.getPolicy()), force: true });
  if (rolled.more)
    await enqueue([{ job: { kind: 'flow-rollup', workspaceUuid: ctx.workspaceUuid, cause: 'flow-pass-complete' }, delayInSeconds: 60 }]);
  log.info('Delivery sync pass complete', { mode, repositories, pullRequests, requests });
}
