/** `plan` jobs: list the repositories and queue the hour's evaluations within the request budget. */
import { appRequest, createBitbucketClient } from '../../../bitbucket/client';
import { planHour } from '../../../services/planner';
import { enqueue } from '../../../services/scan-jobs';
import type { JobContext, JobOf, JobResult } from './shared';

/** The least time between two scheduled plans (Forge may run a scheduled trigger twice an interval). */
const PLAN_SPACING_MS = 55 * 60_000;

export async function planJob(job: JobOf<'plan'>, { store, log, at }: JobContext): Promise<JobResult> {
  const client = createBitbucketClient({ request: appRequest() });
  if (job.cause === 'install-scan') await store.markScan({ installedAt: (await store.getScan()).installedAt ?? at.toISOString() });
  // Forge runs a scheduled trigger at an offset of its own choosing and sometimes twice
  // (https://developer.atlassian.com/platform/forge/manifest-reference/modules/scheduled-trigger/): a
  // scheduled plan within 55 minutes of the last plan would spend the same hour's budget again.
  const { lastPlanAt } = await store.getScan();
  if (job.cause === 'scheduled-scan' && lastPlanAt && at.getTime() - Date.parse(lastPlanAt) < PLAN_SPACING_MS) {
    log.info('A plan ran less than 55 minutes ago: this scheduled run is skipped', { lastPlanAt });
    return;
  }
  const plan = await planHour({ client, store, workspaceUuid: job.workspaceUuid, now: at }, job.cause);
  await enqueue(plan.jobs);
  log.info('Hour planned', {
    repositories: plan.repositories,
    planned: plan.planned,
    budget: plan.budget,
    estimatedRequests: plan.estimatedRequests,
    hoursPerFullPass: plan.hoursPerFullPass,
  });
}
