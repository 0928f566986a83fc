/**
 * `lifecycle-events` trigger: on install (and major-version upgrade) queue the workspace's first plan. The
 * work runs in the consumer, which has 900 s and retries through the queue: right after install Bitbucket
 * may refuse the app for some minutes (docs/platform-facts.md §2). The first evaluation of each repository also
 * backfills the evidence ledger with the review window, so an auditor's period is covered from day one.
 */
import { LifecycleEvent } from '../../bitbucket/forge-events';
import { now } from '../../lib/clock';
import { createLogger } from '../../lib/log';
import { enqueue } from '../../services/scan-jobs';
import { createStore } from '../../store/store';
import { workspaceOf } from '../context';
import { retryOnFailure } from './retry';

async function handleLifecycleEvent(event: unknown, context: unknown): Promise<void> {
  const log = createLogger({ handler: 'lifecycle-event' });
  const parsed = LifecycleEvent.safeParse(event ?? {});
  const workspaceUuid = workspaceOf(context);
  if (!parsed.success || workspaceUuid === null) {
    log.warn('Ignoring a lifecycle event without a workspace', {
      issue: parsed.success ? 'no workspace in context' : parsed.error.issues[0]?.message,
    });
    return;
  }
  const cause = parsed.data.eventType === 'avi:forge:upgraded:app' ? 'upgrade-scan' : 'install-scan';
  const store = createStore();
  const scan = await store.getScan();
  if (scan.installedAt === null) await store.markScan({ installedAt: now().toISOString() });
  const [jobId] = await enqueue([{ job: { kind: 'plan', workspaceUuid, cause } }]);
  log.info('Workspace scan queued', { workspace: workspaceUuid, cause, jobId });
}

export const lifecycleEvent = retryOnFailure('lifecycle-event', handleLifecycleEvent);
