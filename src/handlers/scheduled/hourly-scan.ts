/**
 * `hourly-scan` scheduled trigger: queue the hour's plan. Settings drift has no Bitbucket event (branch
 * restrictions, permissions, default reviewers: docs/platform-facts.md §2), so the planner re-evaluates the
 * repositories whose results are oldest. A workspace that was never scanned (an upgrade that skipped the
 * install event) is planned like any other: its repositories have no results, so they come first.
 * Errors here are not retried by Forge (§5): the work happens in the consumer, which is.
 */
import { createLogger } from '../../lib/log';
import { enqueue } from '../../services/scan-jobs';
import { workspaceOf } from '../context';
import { licenseState } from '../license';
import { now } from '../../lib/clock';

export async function hourlyScan(_event: unknown, context: unknown): Promise<void> {
  const log = createLogger({ handler: 'hourly-scan' });
  if (licenseState(context) === 'inactive') {
    log.info('Licence not active: no scan this hour');
    return;
  }
  const workspaceUuid = workspaceOf(context);
  if (workspaceUuid === null) {
    log.warn('Scheduled run without a workspace in its context: nothing to scan');
    return;
  }
  const [jobId] = await enqueue([{ job: { kind: 'plan', workspaceUuid, cause: 'scheduled-scan', firedAt: now().toISOString() } }]);
  log.info('Scheduled plan queued', { workspace: workspaceUuid, jobId });
}
