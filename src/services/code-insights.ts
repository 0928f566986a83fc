/**
 * Attest's verdict where developers look: a Code Insights report (`attest-compliance`) on the head commit of each
 * open pull request into a protected branch, with one data field per pull-request check and PASSED only when every
 * check passed or does not apply (https://support.atlassian.com/bitbucket-cloud/docs/code-insights/). Written on
 * the events that update the card, when the policy's `postCodeInsights` is on. Idempotent: the report's id is
 * fixed per commit and PUT replaces it; a report identical to the one last written for the same commit (by its
 * fingerprint in the pull request's record) is not written again, so duplicate events cost no request.
 */
import { ATTEST_REPORT_ID, putCommitReport, type ReportDatum, type ReportWrite } from '../bitbucket/code-insights';
import type { BitbucketClient } from '../bitbucket/client';
import { BitbucketError } from '../bitbucket/errors';
import { mergeDecision, type PullRequestCheck } from '../checks/pull-request-checks';
import { canonicalJson, sha256Hex } from '../lib/canonical';
import type { Policy } from '../policy/policy';
import type { PullRequestRecord } from '../store/records';
import type { PullRequestEvaluation } from './pull-request-evaluation';

const WORDS: Record<PullRequestCheck['outcome'], string> = {
  pass: 'Passed',
  fail: 'Failed',
  'not-evaluable': 'Not checked',
  'not-applicable': 'Does not apply',
};

function datum(check: PullRequestCheck): ReportDatum {
  const text = check.outcome === 'not-applicable' ? WORDS[check.outcome] : `${WORDS[check.outcome]}: ${check.message}`;
  return { type: 'TEXT', title: check.title, value: text };
}

/** The report for a pull request's checks. A check that could not be evaluated is not a pass: the report fails. */
export function attestReport(checks: readonly PullRequestCheck[], policy: Policy): ReportWrite {
  const passed = checks.every((check) => check.outcome === 'pass' || check.outcome === 'not-applicable');
  const decision = mergeDecision(checks, policy);
  const details = passed ? 'Every Attest check passed for this commit.' : decision.message;
  return {
    title: 'Attest compliance',
    details: details.length > 2000 ? `${details.slice(0, 1999)}…` : details,
    report_type: 'TEST',
    reporter: 'Attest',
    result: passed ? 'PASSED' : 'FAILED',
    data: checks.slice(0, 10).map(datum),
  };
}

export type InsightsOutcome = 'written' | 'unchanged' | 'off' | 'not-eligible' | 'failed';

export interface InsightsContext {
  client: BitbucketClient;
  policy: Policy;
  workspaceUuid: string;
  repositoryUuid: string;
  /** What the pull request's record says was last written. */
  previous: PullRequestRecord['insights'];
  now: Date;
}

/**
 * Writes the report when it is on, the pull request is open into a protected branch, and what it says changed.
 * Answers what happened and the note to keep in the record (the previous one when nothing was written).
 */
export async function writeVerdict(
  ctx: InsightsContext,
  evaluation: PullRequestEvaluation,
): Promise<{ outcome: InsightsOutcome; insights: PullRequestRecord['insights']; error?: BitbucketError }> {
  const { client, policy, workspaceUuid, repositoryUuid, previous } = ctx;
  const commit = evaluation.pullRequest.source.commit?.hash;
  const kept = previous && previous.commit === commit ? previous : null;
  if (!policy.postCodeInsights) return { outcome: 'off', insights: kept };
  if (!commit || evaluation.pullRequest.state !== 'OPEN' || !evaluation.protectedDestination)
    return { outcome: 'not-eligible', insights: kept };
  const report = attestReport(evaluation.checks, policy);
  const fingerprint = sha256Hex(canonicalJson({ commit, report }));
  if (kept?.fingerprint === fingerprint) return { outcome: 'unchanged', insights: kept };
  try {
    await putCommitReport(client, { workspaceUuid, repositoryUuid, commit, reportId: ATTEST_REPORT_ID }, report);
    return { outcome: 'written', insights: { commit, fingerprint, at: ctx.now.toISOString() } };
  } catch (error) {
    if (!(error instanceof BitbucketError)) throw error;
    // The checks are kept for the card either way; the next event writes the report again.
    return { outcome: 'failed', insights: kept, error };
  }
}
