/**
 * `lifecycle-events` trigger: on install (and major-version upgrade) queue a workspace scan. The scan runs
 * in the consumer, which has 900 s and retries through the queue: right after install Bitbucket may refuse
 * the app for some minutes (platform-facts §2).
 */
import { LifecycleEvent } from '../../bitbucket/forge-events';
import { createLogger } from '../../lib/log';
import { enqueueScanJobs } from '../../services/scan-jobs';
import { workspaceOf } from '../context';

export async function lifecycleEvent(event: unknown, context: unknown): Promise<void> {
  const log = createLogger({ handler: 'lifecycle-event' });
  const parsed = LifecycleEvent.safeParse(event ?? {});
  const workspaceUuid = workspaceOf(context);
  if (!parsed.success || workspaceUuid === null) {
    log.warn('Ignoring a lifecycle event without a workspace', { issue: parsed.success ? 'no workspace in context' : parsed.error.issues[0]?.message });
    return;
  }
  const cause = parsed.data.eventType === 'avi:forge:upgraded:app' ? 'upgrade-scan' : 'install-scan';
  const [jobId] = await enqueueScanJobs([{ kind: 'workspace', workspaceUuid, cause }]);
  log.info('Workspace scan queued', { workspace: workspaceUuid, cause, jobId });
}
