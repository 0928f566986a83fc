/**
 * What a policy change needs re-evaluated. Stored verdicts depend on most of the policy, but not all: the
 * pull-request checks read the policy live at every merge check, so changing them re-evaluates nothing; the
 * administrator thresholds and the offboarded list only concern workspace controls; an exception only the
 * repository (or the workspace control) it names. Anything else re-plans every repository.
 */
import { controlById } from '../controls';
import type { Policy, PolicyException } from './policy';

export type RescanScope = { kind: 'none' } | { kind: 'some'; repositories: string[]; workspace: boolean } | { kind: 'all' };

/** Read by the merge check and the pull-request card when they run; no stored verdict depends on them. */
const LIVE: ReadonlySet<string> = new Set([
  'mergeCheckOnError',
  'requireApprovalOfHead',
  'issueKeyPattern',
  'postCodeInsights',
  'checkPullRequestSecurityReports',
]);
const WORKSPACE_ONLY: ReadonlySet<string> = new Set([
  'maxWorkspaceAdmins',
  'offboarded',
  'accessReviewIntervalDays',
  'revokeGraceDays',
  'maxDeployKeyAgeDays',
  'accessReviewAdmins',
  'groupsOnlyOnProduction',
]);

function touchedExceptions(before: readonly PolicyException[], after: readonly PolicyException[]): PolicyException[] {
  const key = (exception: PolicyException) => JSON.stringify(exception);
  const [was, is] = [new Set(before.map(key)), new Set(after.map(key))];
  return [...before.filter((exception) => !is.has(key(exception))), ...after.filter((exception) => !was.has(key(exception)))];
}

export function rescanScope(before: Policy, after: Policy): RescanScope {
  const changed = (Object.keys(after) as Array<keyof Policy>).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
  const relevant = changed.filter((key) => !LIVE.has(key));
  if (relevant.length === 0) return { kind: 'none' };
  if (!relevant.every((key) => key === 'exceptions' || WORKSPACE_ONLY.has(key))) return { kind: 'all' };
  const touched = relevant.includes('exceptions') ? touchedExceptions(before.exceptions, after.exceptions) : [];
  const onWorkspace = (exception: PolicyException) => controlById(exception.control)?.scope === 'workspace';
  const repositoryExceptions = touched.filter((exception) => !onWorkspace(exception));
  if (repositoryExceptions.some((exception) => exception.repository === '*')) return { kind: 'all' };
  return {
    kind: 'some',
    repositories: [...new Set(repositoryExceptions.map((exception) => exception.repository))].sort(),
    workspace: relevant.some((key) => WORKSPACE_ONLY.has(key)) || touched.some(onWorkspace),
  };
}
