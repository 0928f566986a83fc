/**
 * `hourly-scan` scheduled trigger. Settings drift has no Bitbucket event (branch restrictions, permissions,
 * default reviewers: platform-facts §2), so the hour's work re-reads the workspace through the queue.
 * Errors here are not retried by Forge (§5): the work itself happens in the consumer, which is.
 */
import { createLogger } from '../../lib/log';
import { enqueueScanJobs } from '../../services/scan-jobs';
import { workspaceOf } from '../context';

export async function hourlyScan(_event: unknown, context: unknown): Promise<void> {
  const log = createLogger({ handler: 'hourly-scan' });
  const workspaceUuid = workspaceOf(context);
  if (workspaceUuid === null) {
    log.warn('Scheduled run without a workspace in its context: nothing to scan');
    return;
  }
  const [jobId] = await enqueueScanJobs([{ kind: 'workspace', workspaceUuid, cause: 'scheduled-scan' }]);
  log.info('Scheduled workspace scan queued', { workspace: workspaceUuid, jobId });
}
