/**
 * `pull-request-events` trigger: every pull-request or build-status change recomputes that pull request's
 * checks for the card; a declined pull request drops its open state; a merged one (`fulfilled`) is written
 * to the evidence ledger (two requests, idempotent; queued for retry when Bitbucket cannot be read, and
 * reconciled by the next evaluation of the repository if every retry fails). Build-status events name a
 * commit, not a pull request, so they refresh the open pull requests we track whose head is that commit.
 */
import { ledgeredAppClient } from '../../services/request-ledger';
import { BitbucketError } from '../../bitbucket/errors';
import { PullRequestTriggerEvent } from '../../bitbucket/forge-events';
import { now } from '../../lib/clock';
import { createLogger, type Logger } from '../../lib/log';
import { unwrapUuid } from '../../lib/uuid';
import { evaluatePullRequest, storePullRequestEvaluation } from '../../services/pull-request-evaluation';
import { recordMergedPullRequest } from '../../services/evidence';
import { enqueue } from '../../services/scan-jobs';
import { createStore, type Store } from '../../store/store';
import { toInstant } from '../../lib/instant';
import { retryOnFailure } from './retry';
import type { BitbucketClient } from '../../bitbucket/client';
import type { Policy } from '../../policy/policy';
import { writeVerdict } from '../../services/code-insights';
import { flowRules, observeDecline, observeMerge, observePullRequest } from '../../services/delivery';

async function handlePullRequestEvent(event: unknown): Promise<void> {
  const log = createLogger({ handler: 'pull-request-event' });
  const parsed = PullRequestTriggerEvent.safeParse(event);
  if (!parsed.success) {
    log.warn('Ignoring an event that is not a pull-request event we handle', { issue: parsed.error.issues[0]?.message });
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
  let ids: number[];
  if ('pullrequest' in payload) {
    ids = [payload.pullrequest.id];
  } else {
    const commit = payload.buildStatus.commit.hash;
    const tracked = await store.listPullRequests(repositoryUuid);
    // Bitbucket sends abbreviated and full hashes in different places: compare on the shorter one.
    ids = tracked
      .filter((record) => record.state === 'OPEN' && record.headCommit !== null && sameCommit(record.headCommit, commit))
      .map((record) => record.id);
    if (ids.length === 0) {
      scoped.info('Build status for a commit that heads no tracked open pull request', { key: payload.buildStatus.key });
      return;
    }
  }
  if (payload.eventType === 'avi:bitbucket:fulfilled:pullrequest' && 'pullrequest' in payload) {
    await recordMerge({ id: payload.pullrequest.id, workspaceUuid, repositoryUuid, timestamp: payload.timestamp }, { store, log: scoped });
    return;
  }
  if (payload.eventType === 'avi:bitbucket:rejected:pullrequest' && 'pullrequest' in payload) {
    const at = now();
    const declinedAt = toInstant(payload.timestamp) ?? at.toISOString();
    const title = payload.pullrequest.title?.value ?? null;
    for (const id of ids) {
      await store.deletePullRequest(repositoryUuid, id);
      await observeDecline(store, { repositoryUuid, id, title, at, declinedAt });
    }
    scoped.info('Pull request declined: open state dropped', { pullRequest: ids[0] });
    return;
  }
  const policy = await store.getPolicy();
  // The pull request and its statuses: two requests each; the head's reports (PR-SECURITY) and Attest's report one more each.
  const perPullRequest = 2 + (policy.checkPullRequestSecurityReports ? 1 : 0) + (policy.postCodeInsights ? 1 : 0);
  const client = await ledgeredAppClient(store, { kind: 'event', chunk: perPullRequest * ids.length, log: scoped });
  for (const id of ids)
    await refreshPullRequest({ client, store, policy, workspaceUuid, log: scoped }, { repositoryUuid, id, cause: payload.eventType });
  await client.settle();
}

/** Re-reads one pull request, writes Attest's Code Insights report when its verdict changed, and stores the checks for the card. */
async function refreshPullRequest(
  deps: { client: BitbucketClient; store: Store; policy: Policy; workspaceUuid: string; log: Logger },
  target: { repositoryUuid: string; id: number; cause: string },
): Promise<void> {
  const { client, store, policy, workspaceUuid, log } = deps;
  const { repositoryUuid, id, cause } = target;
  try {
    const evaluation = await evaluatePullRequest({ client, store, policy, workspaceUuid }, { repositoryUuid, id });
    const previous = (await store.getPullRequest(repositoryUuid, id))?.insights ?? null;
    const at = now();
    const verdict = await writeVerdict({ client, policy, workspaceUuid, repositoryUuid, previous, now: at }, evaluation);
    if (verdict.error)
      log.warn('The Code Insights report could not be written', {
        pullRequest: id,
        kind: verdict.error.kind,
        status: verdict.error.status,
      });
    await storePullRequestEvaluation(store, evaluation, { repositoryUuid, evaluatedAt: at, cause, insights: verdict.insights });
    // Delivery metrics from the pull request just read: no request of their own.
    const { pullRequest, protectedDestination } = evaluation;
    await observePullRequest(store, { repositoryUuid, pr: pullRequest, protectedDestination, at, cause });
    log.info('Pull-request checks stored', { pullRequest: id, state: evaluation.pullRequest.state, insights: verdict.outcome });
  } catch (error) {
    if (!(error instanceof BitbucketError)) throw error;
    log.warn('Pull request could not be read', { pullRequest: id, kind: error.kind, status: error.status });
  }
}

async function recordMerge(
  merge: { id: number; workspaceUuid: string; repositoryUuid: string; timestamp: string | undefined },
  deps: { store: Store; log: Logger },
): Promise<void> {
  const { id, workspaceUuid, repositoryUuid, timestamp } = merge;
  const { store, log } = deps;
  const at = now();
  const mergedAt = toInstant(timestamp) ?? at.toISOString();
  const slug = (await store.getRepository(repositoryUuid))?.slug ?? repositoryUuid;
  const client = await ledgeredAppClient(store, { kind: 'event', chunk: 5, log }, { maxAttempts: 2, backoffBaseMs: 250 });
  try {
    const { written, read } = await recordMergedPullRequest(
      { client, store, workspaceUuid, now: at },
      { repository: { uuid: repositoryUuid, slug }, id, mergedAt, origin: 'event' },
    );
    // The merge's flow fact from the pull request the record was read from (a diffstat only for quick approvals).
    if (read) {
      const { pr, protectedDestination, policy } = read;
      await observeMerge(
        { client, store, workspaceUuid, rules: flowRules(policy) },
        { repositoryUuid, pr, protectedDestination, mergedAt, at },
      );
    }
    await store.deletePullRequest(repositoryUuid, id);
    log.info(written ? 'Evidence recorded' : 'Evidence already recorded', { pullRequest: id });
    await client.settle();
  } catch (error) {
    if (!(error instanceof BitbucketError)) throw error;
    await enqueue([
      {
        job: { kind: 'evidence', workspaceUuid, repositoryUuid, pullRequestId: id, mergedAt, cause: 'avi:bitbucket:fulfilled:pullrequest' },
        delayInSeconds: 60,
      },
    ]);
    log.warn('Evidence could not be read yet: queued for retry', { pullRequest: id, errorKind: error.kind, status: error.status });
  }
}

function sameCommit(a: string, b: string): boolean {
  const length = Math.min(a.length, b.length);
  return length >= 7 && a.slice(0, length).toLowerCase() === b.slice(0, length).toLowerCase();
}

export const pullRequestEvent = retryOnFailure('pull-request-event', handlePullRequestEvent);
