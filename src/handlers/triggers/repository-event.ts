/**
 * `repository-events` trigger: created/updated/push → observe the repository now; deleted → drop what we
 * stored about it. Thin: validate, filter with a logged reason, delegate.
 */
import { appRequest, createBitbucketClient } from '../../bitbucket/client';
import { getRepository } from '../../bitbucket/api';
import { BitbucketError } from '../../bitbucket/errors';
import { RepositoryEvent } from '../../bitbucket/forge-events';
import { now } from '../../lib/clock';
import { createLogger } from '../../lib/log';
import { unwrapUuid } from '../../lib/uuid';
import { toRepositoryRecord } from '../../services/repository-record';
import { enqueueScanJobs } from '../../services/scan-jobs';
import { createStore } from '../../store/store';

export async function repositoryEvent(event: unknown): Promise<void> {
  const log = createLogger({ handler: 'repository-event' });
  const parsed = RepositoryEvent.safeParse(event);
  if (!parsed.success) {
    log.warn('Ignoring an event that is not a repository event we handle', { issue: parsed.error.issues[0]?.message });
    return;
  }
  const payload = parsed.data;
  const workspaceUuid = unwrapUuid(payload.workspace.uuid);
  const repositoryUuid = unwrapUuid(payload.repository.uuid);
  const scoped = log.child({ eventType: payload.eventType, workspace: workspaceUuid, repository: repositoryUuid });
  if (payload.selfGenerated) {
    scoped.info('Ignoring a self-generated event');
    return;
  }
  const store = createStore();
  if (payload.eventType === 'avi:bitbucket:deleted:repository') {
    await store.deleteRepository(repositoryUuid);
    scoped.info('Repository deleted: stored results removed');
    return;
  }
  if (payload.eventType === 'avi:bitbucket:push:repository' && payload.push?.mainbranch === false) {
    scoped.info('Push to a branch other than the main branch: nothing a push can change there is checked');
    return;
  }
  const client = createBitbucketClient({ request: appRequest() });
  try {
    const repository = await getRepository(client, workspaceUuid, repositoryUuid);
    const written = await store.putRepository(toRepositoryRecord(repository, now(), payload.eventType));
    scoped.info(written ? 'Repository observed' : 'A newer observation is stored: kept it');
  } catch (error) {
    if (!(error instanceof BitbucketError)) throw error;
    // The scan queue retries with backoff; the event itself is not redelivered for our errors.
    scoped.warn('Repository could not be read: queued for the scan consumer', { kind: error.kind, status: error.status });
    await enqueueScanJobs([{ kind: 'repository', workspaceUuid, repositoryUuid, cause: payload.eventType }], 60);
  }
}
