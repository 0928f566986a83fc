/** `plan` jobs: list the repositories and queue the hour's evaluations within the request budget. */
import { planHour } from '../../../services/planner';
import { ledgeredAppClient } from '../../../services/request-ledger';
import { enqueue } from '../../../services/scan-jobs';
import { scheduleFlowPass } from './flow';
import type { JobContext, JobOf, JobResult } from './shared';

/** The least time between two scheduled plans (Forge may run a scheduled trigger twice an interval). */
const PLAN_SPACING_MS = 55 * 60_000;

export async function planJob(job: JobOf<'plan'>, { store, log, at }: JobContext): Promise<JobResult> {
  if (job.cause === 'install-scan') await store.markScan({ installedAt: (await store.getScan()).installedAt ?? at.toISOString() });
  // Forge runs a scheduled trigger at an offset of its own choosing and sometimes twice
  // (https://developer.atlassian.com/platform/forge/manifest-reference/modules/scheduled-trigger/): a
  // scheduled plan fired within 55 minutes of the last one would spend the same hour's budget again. Firing
  // times are compared, not completion times: a plan the queue retried for a while still belongs to its hour,
  // and must not make the next hour's plan look like a duplicate.
  const { lastPlanAt, lastPlanFiredAt } = await store.getScan();
  const firedAt = Date.parse(job.firedAt ?? at.toISOString());
  const lastFired = lastPlanFiredAt ?? lastPlanAt;
  if (job.cause === 'scheduled-scan' && lastFired && firedAt - Date.parse(lastFired) < PLAN_SPACING_MS) {
    log.info('A plan fired less than 55 minutes before this one: this scheduled run is skipped', { lastFired });
    return;
  }
  // The listing: a page per hundred repositories.
  const client = await ledgeredAppClient(store, { kind: 'scan', chunk: 10, log });
  const plan = await planHour({ client, store, workspaceUuid: job.workspaceUuid, now: at }, job.cause).finally(() => client.settle());
  // Delivery metrics ride on the hour too: the rollup (KVS only) and, when due, a sync pass over this listing.
  const flow = await scheduleFlowPass({ store, log, at }, { workspaceUuid: job.workspaceUuid, cause: job.cause, listed: plan.listed });
  await enqueue([...plan.jobs, { job: { kind: 'flow-rollup', workspaceUuid: job.workspaceUuid, cause: job.cause } }, ...flow]);
  await store.markScan({ lastPlanFiredAt: new Date(firedAt).toISOString() });
  log.info('Hour planned', {
    repositories: plan.repositories,
    planned: plan.planned,
    budget: plan.budget,
    estimatedRequests: plan.estimatedRequests,
    hoursPerFullPass: plan.hoursPerFullPass,
  });
}
