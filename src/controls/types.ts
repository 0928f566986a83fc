/**
 * The control model (docs/controls.md). A control is data plus one pure function of the slices
 * it needs, the policy and the clock. `CATALOGUE` in ./index.ts is the only registry.
 */
import type { BitbucketError } from '../bitbucket/errors';
import type {
  BranchRestriction,
  BranchingModel,
  CommitReport,
  DefaultReviewer,
  Member,
  Pipeline,
  PipelineVariable,
  PipelinesConfig,
  Repository,
  WorkspacePermission,
} from '../bitbucket/schemas';
import type { Classification, Policy } from '../policy/policy';

import type { MergedChange } from './merged-change';
import type { Outcome } from './outcome';

export type { Outcome };
export type Severity = 'critical' | 'high' | 'medium' | 'low';
export type Scope = 'repository' | 'workspace';

/** A slice is the data, or the typed error that stopped us reading it. */
export type Slice<T> = { ok: true; value: T; truncated?: boolean } | { ok: false; error: BitbucketError };

/** Everything a repository control can need; each need is fetched at most once per subject. */
export interface RepositorySnapshot {
  repository: Slice<Repository>;
  branchRestrictions: Slice<BranchRestriction[]>;
  /** Fetched only when a restriction uses `branching_model`; `null` means it was not needed. */
  effectiveBranchingModel: Slice<BranchingModel | null>;
  effectiveDefaultReviewers: Slice<DefaultReviewer[]>;
  pipelinesConfig: Slice<PipelinesConfig>;
  /** `null`: the file does not exist on the main branch. */
  pipelinesFile: Slice<string | null>;
  mainBranchPipelines: Slice<Pipeline[]>;
  mergedPullRequests: Slice<MergedChange[]>;
  /** The Code Insights reports on the main branch's head commit (Attest's own excluded). */
  mainHeadReports: Slice<HeadReports>;
  /** The findings of each SECURITY report on the main branch's head commit. */
  securityFindings: Slice<SecurityFindings>;
  /** The repository's own Pipelines variables: names and `secured`, never values. */
  pipelineVariables: Slice<PipelineVariable[]>;
  /** Each deployment environment's variables: names and `secured`, never values. */
  deploymentVariables: Slice<EnvironmentVariables[]>;
}

export interface HeadReports {
  commit: string;
  reports: CommitReport[];
  /** More reports than were read: what was not read may be the one that matters. */
  truncated: boolean;
}

/** Open findings by severity: annotations whose result is FAILED or not given. */
export interface FindingCounts {
  CRITICAL: number;
  HIGH: number;
  MEDIUM: number;
  LOW: number;
}

export interface ReportFindings {
  reportId: string;
  title: string;
  reporter: string | null;
  result: string | null;
  counts: FindingCounts;
  annotations: number;
  /** Why the findings are not all known (annotations not read whole, or not readable); null when they are. */
  incomplete: string | null;
}

export interface SecurityFindings {
  commit: string;
  reports: ReportFindings[];
  /** The report list itself was cut short. */
  truncated: boolean;
}

export interface EnvironmentVariables {
  environment: { uuid: string; name: string; type: string | null };
  variables: PipelineVariable[];
}

export interface WorkspaceSnapshot {
  members: Slice<Member[]>;
  workspacePermissions: Slice<WorkspacePermission[]>;
  /** Workspace Pipelines variables: names and `secured`, never values. */
  workspaceVariables: Slice<PipelineVariable[]>;
  /** The app's own access reviews (read from its storage, not from Bitbucket). */
  accessReviews: Slice<AccessReviewState>;
}

/** What an access review decided about one item, as the access-review controls read it. */
export interface ReviewedAccess {
  /** Who or what: a person's or group's name, a key's label. */
  name: string;
  kind: 'member' | 'user-grant' | 'group-grant' | 'deploy-key';
  /** Where: the workspace, a project's name, a repository's full name. */
  target: string;
  addedOn: string | null;
}

export interface AccessReviewState {
  /** The most recently completed review, with its deploy keys and what was decided for each. */
  latest: {
    id: string;
    completedAt: string;
    deployKeys: Array<{ access: ReviewedAccess; decision: 'keep' | 'revoke' | 'change'; reason: string | null }>;
  } | null;
  /** Revoke and change decisions of completed reviews, and whether a later read found the access gone. */
  followUps: Array<{ reviewId: string; access: ReviewedAccess; decidedAt: string; goneAt: string | null; checkedAt: string | null }>;
}

export type RepositoryNeed = keyof RepositorySnapshot;
export type WorkspaceNeed = keyof WorkspaceSnapshot;

export interface RepositorySubject {
  classification: Classification | 'unclassified';
  mainBranch: string | null;
}

export interface EvaluationContext {
  policy: Policy;
  now: Date;
}

export interface Verdict {
  outcome: Outcome;
  message: string;
  evidence: Record<string, unknown>;
  /** Only on a pass of BB-CR-1..3 and BB-CI-1: whether `enforce_merge_checks` makes it blocking. */
  enforced?: boolean;
}

export interface Remediation {
  summary: string;
  steps: readonly string[];
}

export interface Frameworks {
  soc2: readonly string[];
  iso27001: readonly string[];
  cis: readonly string[];
}

interface ControlBase {
  id: string;
  title: string;
  severity: Severity;
  rationale: string;
  remediation: Remediation;
  frameworks: Frameworks;
  docs: string;
}

interface RepositoryControlBase<N extends RepositoryNeed> extends ControlBase {
  scope: 'repository';
  needs: readonly N[];
  /** Whether the control applies to non-production repositories (only BB-REPO-1 and BB-REPO-2 do). */
  appliesToNonProduction: boolean;
}

/** A repository that has a main branch: what branch controls are evaluated against. */
export interface BranchSubject extends RepositorySubject {
  mainBranch: string;
}

/** Branch controls are `not-applicable` for a repository without a main branch, and see it as a string. */
export interface BranchControl<N extends RepositoryNeed = RepositoryNeed> extends RepositoryControlBase<N> {
  needsMainBranch: true;
  evaluate(data: Pick<RepositorySnapshot, N>, subject: BranchSubject, context: EvaluationContext): Verdict;
}

export interface RepositoryWideControl<N extends RepositoryNeed = RepositoryNeed> extends RepositoryControlBase<N> {
  needsMainBranch: false;
  evaluate(data: Pick<RepositorySnapshot, N>, subject: RepositorySubject, context: EvaluationContext): Verdict;
}

export type RepositoryControl<N extends RepositoryNeed = RepositoryNeed> = BranchControl<N> | RepositoryWideControl<N>;

export interface WorkspaceControl<N extends WorkspaceNeed = WorkspaceNeed> extends ControlBase {
  scope: 'workspace';
  needs: readonly N[];
  evaluate(data: Pick<WorkspaceSnapshot, N>, context: EvaluationContext): Verdict;
}

export type Control = RepositoryControl | WorkspaceControl;

export interface ExceptionMark {
  reason: string;
  approvedBy: string;
  expiresOn: string;
  expired: boolean;
}

export interface Result {
  control: string;
  outcome: Outcome;
  message: string;
  evidence: Record<string, unknown>;
  remediation?: string[];
  enforced?: boolean;
  exception?: ExceptionMark;
}

export function pass(message: string, evidence: Record<string, unknown> = {}, enforced?: boolean): Verdict {
  return { outcome: 'pass', message, evidence, ...(enforced === undefined ? {} : { enforced }) };
}
export function fail(message: string, evidence: Record<string, unknown> = {}): Verdict {
  return { outcome: 'fail', message, evidence };
}
export function notApplicable(message: string, evidence: Record<string, unknown> = {}): Verdict {
  return { outcome: 'not-applicable', message, evidence };
}
export function notEvaluable(message: string, evidence: Record<string, unknown> = {}): Verdict {
  return { outcome: 'not-evaluable', message, evidence };
}

/** Thrown by `need()` when a slice failed; the engine turns it into `not-evaluable` with the reason. */
export class MissingData extends Error {
  constructor(
    readonly need: string,
    readonly error: BitbucketError,
  ) {
    super(error.message);
  }
}

/** The slice's value, or MissingData: controls read their data through this and never see an error as data. */
export function need<T>(name: string, slice: Slice<T>): T {
  if (!slice.ok) throw new MissingData(name, slice.error);
  return slice.value;
}
