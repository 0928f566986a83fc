/**
 * `repository-events` trigger: created/updated → evaluate that repository now; push to the main branch →
 * re-evaluate (the pipelines file may have changed); deleted → remove its results and say so in the
 * history. Evaluation runs in the queue consumer (900 s, retried); `notBefore` collapses a burst of
 * events into one evaluation. Thin: validate, filter with a logged reason, delegate.
 */
import { RepositoryEvent } from '../../bitbucket/forge-events';
import { now } from '../../lib/clock';
import { createLogger } from '../../lib/log';
import { unwrapUuid } from '../../lib/uuid';
import { enqueue } from '../../services/scan-jobs';
import { createStore } from '../../store/store';
import { toInstant } from '../../lib/instant';
import { retryOnFailure } from './retry';

async function handleRepositoryEvent(event: unknown): Promise<void> {
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
  const at = now();
  // The event's own time orders deliveries: an older event never overrides newer state.
  const eventAt = toInstant(payload.timestamp) ?? at.toISOString();
  const store = createStore();
  if (payload.eventType === 'avi:bitbucket:deleted:repository') {
    const stored = await store.getRepository(repositoryUuid);
    if (stored?.evaluatedAt && stored.evaluatedAt > eventAt) {
      scoped.info('A newer evaluation exists than this deletion event: kept it');
      return;
    }
    await store.deleteRepository(repositoryUuid, {
      subject: repositoryUuid,
      subjectName: stored?.slug ?? repositoryUuid,
      control: 'repository',
      from: null,
      to: null,
      at: at.toISOString(),
      cause: 'repository deleted',
      actor: payload.actor?.accountId ?? null,
    });
    // Its delivery figures go too: the next rollup drops its row (a repository with no record has none).
    await store.forgetFlow(repositoryUuid);
    await enqueue([{ job: { kind: 'summary', workspaceUuid, cause: payload.eventType, notBefore: at.toISOString() }, delayInSeconds: 60 }]);
    scoped.info('Repository deleted: stored results removed');
    return;
  }
  // Only a push that says it went to the main branch can change what is checked there. A tag push carries
  // no `mainbranch` at all, and a payload without the flag says nothing either: the hourly run catches
  // anything such a push changed, rather than one evaluation per tag.
  if (payload.eventType === 'avi:bitbucket:push:repository' && payload.push?.mainbranch !== true) {
    scoped.info('Push not known to be to the main branch (another branch, or a tag): nothing to re-evaluate now');
    return;
  }
  await enqueue([{ job: { kind: 'repository', workspaceUuid, repositoryUuid, cause: payload.eventType, notBefore: eventAt } }]);
  scoped.info('Repository evaluation queued');
}

export const repositoryEvent = retryOnFailure('repository-event', handleRepositoryEvent);
