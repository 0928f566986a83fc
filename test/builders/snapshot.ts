/**
 * Builders for control tests: data in the shapes the client's schemas produce, with Partial overrides.
 */
import { BitbucketError, type BitbucketErrorKind } from '../../src/bitbucket/errors';
import {
  PullRequest,
  type Account,
  type BranchRestriction,
  type BranchingModel,
  type CommitReport,
  type CommitStatus,
  type Member,
  type Participant,
  type Pipeline,
  type Repository,
} from '../../src/bitbucket/schemas';
import { mergedChangeOf, type MergedChange } from '../../src/controls/merged-change';
import type { ReportFindings, RepositorySnapshot, Slice, WorkspaceSnapshot } from '../../src/controls/types';

export const NOW = new Date('2026-11-22T09:00:00Z');
export const DAY = 86_400_000;

export function ok<T>(value: T, truncated = false): Slice<T> {
  return truncated ? { ok: true, value, truncated } : { ok: true, value };
}

export function failed<T>(kind: BitbucketErrorKind, status: number | null, path = '/2.0/repositories/w/r/x'): Slice<T> {
  return { ok: false, error: new BitbucketError(kind, path, status, 'injected') };
}

/** The ways a data need can fail, as the client reports them after its retries. */
export const FAILURES: Array<[string, BitbucketErrorKind, number | null]> = [
  ['403 (missing scope or not an admin)', 'forbidden', 403],
  ['404', 'not-found', 404],
  ['429 that never recovers', 'rate-limited', 429],
  ['5xx', 'upstream', 503],
  ['a malformed body', 'malformed', 200],
];

let nextId = 1;
export function restriction(kind: string, overrides: Partial<BranchRestriction> = {}): BranchRestriction {
  return { id: nextId++, kind, branch_match_kind: 'glob', pattern: 'main', users: [], groups: [], ...overrides };
}

export function repository(overrides: Partial<Repository> = {}): Repository {
  return {
    uuid: '{0f3c1a2b-1111-4222-8333-444455556666}',
    slug: 'api',
    full_name: 'acme/api',
    is_private: true,
    mainbranch: { name: 'main' },
    project: { key: 'CORE' },
    ...overrides,
  };
}

export function model(overrides: Partial<BranchingModel> = {}): BranchingModel {
  return {
    development: { use_mainbranch: true },
    production: null,
    branch_types: [
      { kind: 'feature', prefix: 'feature/' },
      { kind: 'release', prefix: 'release/' },
    ],
    ...overrides,
  };
}

export function pipeline(result: 'SUCCESSFUL' | 'FAILED' | 'ERROR' | 'STOPPED' | null, daysAgo: number): Pipeline {
  return {
    uuid: `{p-${nextId++}}`,
    created_on: new Date(NOW.getTime() - daysAgo * DAY).toISOString(),
    state: result ? { name: 'COMPLETED', result: { name: result } } : { name: 'IN_PROGRESS', result: null },
    target: { ref_name: 'main' },
  };
}

export const AUTHOR = { uuid: '{aaaaaaaa-0000-4000-8000-000000000001}', account_id: 'author', display_name: 'Ada' };
export const REVIEWER = { uuid: '{aaaaaaaa-0000-4000-8000-000000000002}', account_id: 'reviewer', display_name: 'Grace' };

export function status(key: string, state: string, minutesAfter: number): CommitStatus {
  return {
    key,
    state,
    refname: 'feature/x',
    created_on: new Date(NOW.getTime() - DAY + minutesAfter * 60_000).toISOString(),
    updated_on: new Date(NOW.getTime() - DAY + minutesAfter * 60_000).toISOString(),
  };
}

/** What a merged pull request's listing and statuses say, before it becomes a change the controls evaluate. */
interface MergedRead {
  author: Account | null;
  participants: Participant[];
  statuses: CommitStatus[];
}

/** A merged change as the collector builds it from Bitbucket's answers (src/controls/merged-change.ts). */
export function merged(id: number, overrides: Partial<MergedRead> = {}): MergedChange {
  const read: MergedRead = {
    author: AUTHOR,
    participants: [{ user: REVIEWER, approved: true, state: 'approved' }],
    statuses: [status('ci', 'SUCCESSFUL', 10)],
    ...overrides,
  };
  const pr = PullRequest.parse({
    id,
    title: `ACME-${id}`,
    state: 'MERGED',
    author: read.author,
    participants: read.participants,
    source: { branch: { name: 'feature/x' } },
    destination: { branch: { name: 'main' } },
    merge_commit: { hash: 'abcdef123456' },
  });
  return mergedChangeOf(pr, read.statuses, new Date(NOW.getTime() - DAY).toISOString());
}

export function repositorySnapshot(overrides: Partial<RepositorySnapshot> = {}): Partial<RepositorySnapshot> {
  return {
    repository: ok(repository()),
    branchRestrictions: ok([]),
    effectiveBranchingModel: ok(null),
    effectiveDefaultReviewers: ok([]),
    pipelinesConfig: ok({ enabled: true }),
    pipelinesFile: ok(null),
    mainBranchPipelines: ok([]),
    mergedPullRequests: ok([]),
    mainHeadReports: ok({ commit: HEAD, reports: [], truncated: false }),
    securityFindings: ok({ commit: HEAD, reports: [], truncated: false }),
    pipelineVariables: ok([]),
    deploymentVariables: ok([]),
    ...overrides,
  };
}

/** The main branch's head commit in control tests. */
export const HEAD = 'c0ffee0000000000000000000000000000000001';

/** A Code Insights report as GET …/commit/{commit}/reports lists it. */
export function report(overrides: Partial<CommitReport> = {}): CommitReport {
  return {
    uuid: '{5e1f0000-0000-4000-a000-000000000001}',
    external_id: 'snyk-1',
    title: 'Snyk security scan',
    reporter: 'Snyk',
    report_type: 'SECURITY',
    result: 'PASSED',
    created_on: new Date(NOW.getTime() - DAY).toISOString(),
    updated_on: new Date(NOW.getTime() - DAY).toISOString(),
    ...overrides,
  };
}

/** One SECURITY report's findings, as the collector counts them. */
export function findings(overrides: Partial<ReportFindings> = {}): ReportFindings {
  return {
    reportId: '{5e1f0000-0000-4000-a000-000000000001}',
    title: 'Snyk security scan',
    reporter: 'Snyk',
    result: 'PASSED',
    counts: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0 },
    annotations: 0,
    incomplete: null,
    ...overrides,
  };
}

export function member(accountId: string, has2fa: boolean | undefined, overrides: Partial<Member['user']> = {}): Member {
  return {
    user: {
      account_id: accountId,
      display_name: accountId,
      type: 'user',
      ...(has2fa === undefined ? {} : { has_2fa_enabled: has2fa }),
      ...overrides,
    },
  };
}

export function workspaceSnapshot(overrides: Partial<WorkspaceSnapshot> = {}): Partial<WorkspaceSnapshot> {
  return { members: ok([]), workspacePermissions: ok([]), workspaceVariables: ok([]), ...overrides };
}
