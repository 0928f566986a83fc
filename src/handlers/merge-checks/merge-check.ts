/**
 * `attest-merge-check`: evaluates the pull-request checks with two Bitbucket requests (the pull request and
 * its statuses), plus one or two pages of its activity log when approvals would suffice and must be of the
 * latest push, plus the head commit's Code Insights reports when the policy checks them (PR-SECURITY): at
 * most five. It writes no Code Insights report (the events do), and returns `{success, message}`. It never throws: Bitbucket treats a thrown exception as a
 * failure and shows no message (https://developer.atlassian.com/platform/forge/manifest-reference/modules/bitbucket-merge-check/). When Bitbucket cannot be read, the
 * policy's `mergeCheckOnError` decides, and the message says what could not be read and why.
 */
import { ledgeredAppClient } from '../../services/request-ledger';
import { BitbucketError } from '../../bitbucket/errors';
import { MergeCheckPayload } from '../../bitbucket/forge-events';
import { mergeDecision, type MergeDecision } from '../../checks/pull-request-checks';
import { now } from '../../lib/clock';
import { createLogger } from '../../lib/log';
import { unwrapUuid } from '../../lib/uuid';
import { Policy } from '../../policy/policy';
import { evaluatePullRequest, storePullRequestEvaluation } from '../../services/pull-request-evaluation';
import type { PullRequestRecord } from '../../store/records';
import { createStore } from '../../store/store';
import { licenseState } from '../license';

/**
 * Bitbucket's hourly limit is reached: the answer comes from the checks stored for the card, and says how old
 * they are. A check that failed then still blocks (nothing that happened since can be seen, and blocking is
 * safe); checks that all passed then allow the merge only if the policy allows merging when checks cannot run,
 * because a push since may have changed them.
 */
function cachedDecision(cached: PullRequestRecord, policy: Policy): MergeDecision {
  const minutes = Math.max(0, Math.round((now().getTime() - Date.parse(cached.evaluatedAt)) / 60_000));
  const source = `Bitbucket's hourly request limit is reached, so Attest could not check again; these are the checks stored ${minutes} minute${minutes === 1 ? '' : 's'} ago (${cached.evaluatedAt}).`;
  const failing = cached.checks.filter((check) => check.outcome !== 'pass' && check.outcome !== 'not-applicable');
  if (failing.length > 0)
    return { success: false, message: [source, ...failing.map((check) => `${check.title}: ${check.message}.`)].join('\n') };
  if (policy.mergeCheckOnError === 'allow')
    return { success: true, message: `${source} They all passed; the policy allows merging when checks cannot run.` };
  return {
    success: false,
    message: `${source} They all passed, but a push since may have changed that: re-run the check in a few minutes.`,
  };
}

export async function mergeCheck(payload: unknown, context?: unknown): Promise<MergeDecision> {
  const log = createLogger({ handler: 'merge-check' });
  // Without an active licence Attest checks nothing, and says so rather than blocking work it did not look at.
  if (licenseState(context) === 'inactive')
    return { success: true, message: 'Attest did not check this pull request: its licence for this workspace is not active.' };
  const parsed = MergeCheckPayload.safeParse(payload);
  if (!parsed.success) {
    log.error('Merge check invoked with a payload it cannot read', { issue: parsed.error.issues[0]?.message });
    return {
      success: false,
      message: 'Attest could not read the merge-check request from Bitbucket, so the merge is blocked. Re-run the check.',
    };
  }
  const workspaceUuid = unwrapUuid(parsed.data.workspace.uuid);
  const repositoryUuid = unwrapUuid(parsed.data.repository.uuid);
  const id = parsed.data.pullrequest.id;
  const scoped = log.child({ workspace: workspaceUuid, repository: repositoryUuid, pullRequest: id, trigger: parsed.data.trigger?.type });
  let policy: Policy = Policy.parse({});
  try {
    const store = createStore();
    // One attempt per request: the merge check must stay well inside its invocation limit.
    const client = await ledgeredAppClient(store, { kind: 'interactive', chunk: 3, log: scoped }, { maxAttempts: 2, backoffBaseMs: 200 });
    // The policy is read while the ledger's window is: both before the first request, neither after the other.
    [policy] = await Promise.all([store.getPolicy(), client.reserve()]);
    const evaluation = await evaluatePullRequest({ client, store, policy, workspaceUuid }, { repositoryUuid, id }).finally(() =>
      client.settle(),
    );
    // The decision is made from what Bitbucket answered; keeping it for the card is best-effort, so a
    // storage failure never turns a computed verdict into "could not evaluate" (or, with
    // mergeCheckOnError: allow, into a merge).
    await storePullRequestEvaluation(store, evaluation, { repositoryUuid, evaluatedAt: now(), cause: 'merge-check' }).catch(
      (error: unknown) =>
        scoped.warn('The evaluation was not stored for the card', { error: error instanceof Error ? error.message : String(error) }),
    );
    if (!evaluation.protectedDestination) {
      return {
        success: true,
        message: `Attest checks apply to pull requests into protected branches; ${evaluation.pullRequest.destination.branch?.name ?? 'this branch'} is not one.`,
      };
    }
    const decision = mergeDecision(evaluation.checks, policy);
    scoped.info('Merge check evaluated', { success: decision.success, requests: client.budget.used });
    return decision;
  } catch (error) {
    const reason = error instanceof BitbucketError ? error.message : 'an internal error occurred';
    scoped.error('Merge check could not be evaluated', { reason: error instanceof Error ? error.message : String(error) });
    if (error instanceof BitbucketError && (error.kind === 'hour-spent' || error.kind === 'rate-limited')) {
      const cached = await createStore()
        .getPullRequest(repositoryUuid, id)
        .catch(() => undefined);
      if (cached) return cachedDecision(cached, policy);
    }
    const allow = policy.mergeCheckOnError === 'allow';
    return {
      success: allow,
      message: `Attest could not evaluate this pull request (${reason}). ${allow ? 'The policy allows merging when checks cannot run.' : 'The merge is blocked until the check can run; re-run it.'}`,
    };
  }
}
