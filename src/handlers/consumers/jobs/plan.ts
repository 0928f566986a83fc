/** `plan` jobs: list the repositories and queue the hour's evaluations within the request budget. */
import { planHour } from '../../../services/planner';
import { ledgeredAppClient } from '../../../services/request-ledger';
import { enqueue } from '../../../services/scan-jobs';
import type { JobContext, JobOf, JobResult } from './shared';

/** The least time between two scheduled plans (Forge may run a scheduled trigger twice an interval). */
const PLAN_SPACING_MS = 55 * 60_000;

export async function planJob(job: JobOf<'plan'>, { store, log, at }: JobContext): Promise<JobResult> {
  if (job.cause === 'install-scan') await store.markScan({ installedAt: (await store.getScan()).installedAt ?? at.toISOString() });
  // Forge runs a scheduled trigger at an offset of its own choosing and sometimes twice
  // (https://developer.atlassian.com/platform/forge/manifest-reference/modules/scheduled-trigger/): a
  // scheduled plan within 55 minutes of the last plan would spend the same hour's budget again.
  const { lastPlanAt } = await store.getScan();
  if (job.cause === 'scheduled-scan' && lastPlanAt && at.getTime() - Date.parse(lastPlanAt) < PLAN_SPACING_MS) {
    log.info('A plan ran less than 55 minutes ago: this scheduled run is skipped', { lastPlanAt });
    return;
  }
  // The listing: a page per hundred repositories.
  const client = await ledgeredAppClient(store, { kind: 'scan', chunk: 10, log });
  const plan = await planHour({ client, store, workspaceUuid: job.workspaceUuid, now: at }, job.cause).finally(() => client.settle());
  await enqueue(plan.jobs);
  log.info('Hour planned', {
    repositories: plan.repositories,
    planned: plan.planned,
    budget: plan.budget,
    estimatedRequests: plan.estimatedRequests,
    hoursPerFullPass: plan.hoursPerFullPass,
  });
}
