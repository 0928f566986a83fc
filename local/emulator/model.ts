/**
 * The emulator's workspace model: what a seed file describes, validated with zod. Compact on purpose;
 * `render.ts` turns it into the shapes the real REST API answers with.
 */
import { z } from 'zod';

const Iso = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'expected an ISO 8601 date');

export const SeedUser = z.object({
  uuid: z.string(),
  accountId: z.string(),
  displayName: z.string(),
  nickname: z.string().optional(),
  /** null: Bitbucket does not report the flag for this person (the field is absent). */
  has2fa: z.boolean().nullable().default(true),
  type: z.enum(['user', 'app_user']).default('user'),
});

export const BranchRestrictionSeed = z.object({
  id: z.number().int(),
  kind: z.string(),
  branch_match_kind: z.enum(['glob', 'branching_model']).default('glob'),
  pattern: z.string().default(''),
  branch_type: z.enum(['feature', 'bugfix', 'release', 'hotfix', 'development', 'production']).optional(),
  value: z.number().int().nullable().default(null),
  users: z.array(z.string()).default([]),
  groups: z.array(z.string()).default([]),
});
export type BranchRestrictionSeed = z.infer<typeof BranchRestrictionSeed>;

export const BranchingModelSeed = z.object({
  development: z
    .object({ name: z.string().nullable().default(null), useMainbranch: z.boolean().default(true) })
    .default({ name: null, useMainbranch: true }),
  production: z
    .object({ name: z.string().nullable().default(null), useMainbranch: z.boolean().default(false), enabled: z.boolean().default(false) })
    .default({ name: null, useMainbranch: false, enabled: false }),
  branchTypes: z
    .array(z.object({ kind: z.enum(['feature', 'bugfix', 'release', 'hotfix']), prefix: z.string(), enabled: z.boolean().default(true) }))
    .default([
      { kind: 'feature', prefix: 'feature/', enabled: true },
      { kind: 'bugfix', prefix: 'bugfix/', enabled: true },
      { kind: 'release', prefix: 'release/', enabled: true },
      { kind: 'hotfix', prefix: 'hotfix/', enabled: true },
    ]),
});
export type BranchingModelSeed = z.infer<typeof BranchingModelSeed>;

export const PipelineSeed = z.object({
  uuid: z.string(),
  buildNumber: z.number().int(),
  branch: z.string(),
  commit: z.string(),
  createdOn: Iso,
  completedOn: Iso.nullable().default(null),
  state: z.enum(['PENDING', 'IN_PROGRESS', 'COMPLETED']),
  result: z.enum(['SUCCESSFUL', 'FAILED', 'ERROR', 'STOPPED', 'EXPIRED']).nullable().default(null),
  trigger: z.enum(['PUSH', 'MANUAL', 'SCHEDULED', 'PARENT_STEP']).default('PUSH'),
});
export type PipelineSeed = z.infer<typeof PipelineSeed>;

export const ParticipantSeed = z.object({
  accountId: z.string(),
  role: z.enum(['PARTICIPANT', 'REVIEWER']).default('REVIEWER'),
  approved: z.boolean().default(false),
  state: z.enum(['approved', 'changes_requested']).nullable().default(null),
  participatedOn: Iso.nullable().default(null),
});

export const PullRequestSeed = z.object({
  id: z.number().int().positive(),
  title: z.string(),
  description: z.string().default(''),
  authorId: z.string(),
  state: z.enum(['OPEN', 'MERGED', 'DECLINED', 'SUPERSEDED']),
  sourceBranch: z.string(),
  /** null: the destination branch was deleted; Bitbucket then answers `destination.branch: null` (recorded). */
  destinationBranch: z.string().nullable(),
  sourceCommit: z.string(),
  destinationCommit: z.string().default('0000000000000000000000000000000000000000'),
  mergeCommit: z.string().nullable().default(null),
  createdOn: Iso,
  updatedOn: Iso,
  /** When the merge happened (the activity log's `update` with state MERGED); not a field of the PR itself. */
  mergedOn: Iso.nullable().default(null),
  closedById: z.string().nullable().default(null),
  participants: z.array(ParticipantSeed).default([]),
  reviewers: z.array(z.string()).default([]),
  /**
   * Later pushes to the source branch, oldest first: each is an `update` in the activity log with the new source
   * commit and its date (OpenAPI, pull request activity examples). The first head arrived at `createdOn`.
   */
  pushes: z.array(z.object({ previous: z.string(), commit: z.string(), at: Iso })).default([]),
  /** Comments, each an entry of the activity log; a comment moves `updated_on`, even after the merge. */
  comments: z.array(z.object({ id: z.number().int(), authorId: z.string(), text: z.string(), at: Iso })).default([]),
  /** The files the pull request changes, for …/diffstat. */
  diffstat: z
    .array(z.object({ path: z.string(), added: z.number().int().nonnegative(), removed: z.number().int().nonnegative() }))
    .default([{ path: 'src/index.ts', added: 12, removed: 3 }]),
});
export type PullRequestSeed = z.infer<typeof PullRequestSeed>;

export const StatusSeed = z.object({
  commit: z.string(),
  key: z.string(),
  state: z.enum(['SUCCESSFUL', 'FAILED', 'INPROGRESS', 'STOPPED']),
  refname: z.string().nullable().default(null),
  name: z.string().default(''),
  url: z.string().default('https://ci.example.com/build'),
  createdOn: Iso,
  updatedOn: Iso,
});
export type StatusSeed = z.infer<typeof StatusSeed>;

/**
 * A Pipelines variable (OpenAPI `pipeline_variable`). A secured variable's value is never answered ("The value
 * will never be exposed in the logs or the REST API"); the seed keeps one only so a test can prove it is not sent.
 */
export const VariableSeed = z.object({
  uuid: z.string(),
  key: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name is letters, digits and underscores'),
  secured: z.boolean().default(false),
  value: z.string().default(''),
});
export type VariableSeed = z.infer<typeof VariableSeed>;

export const EnvironmentSeed = z.object({
  uuid: z.string(),
  name: z.string(),
  type: z.enum(['Test', 'Staging', 'Production']),
  variables: z.array(VariableSeed).default([]),
});

/**
 * A Code Insights annotation (OpenAPI `report_annotation`). The summary's 450-character limit is Bitbucket's
 * answer to a longer one ("The summary field cannot contain more than 450 characters.", recorded in
 * https://github.com/reviewdog/reviewdog/issues/1285).
 */
export const AnnotationSeed = z.object({
  externalId: z.string().min(1),
  uuid: z.string(),
  annotationType: z.enum(['VULNERABILITY', 'CODE_SMELL', 'BUG']),
  summary: z.string().min(1).max(450),
  details: z.string().optional(),
  severity: z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW']).optional(),
  result: z.enum(['PASSED', 'FAILED', 'SKIPPED', 'IGNORED']).optional(),
  path: z.string().optional(),
  line: z.number().int().min(1).optional(),
  createdOn: Iso,
});
export type AnnotationSeed = z.infer<typeof AnnotationSeed>;

/** A report data field (OpenAPI `report_data`); the value's type follows the documented table. */
export const ReportDataSeed = z.object({
  type: z.enum(['BOOLEAN', 'DATE', 'DURATION', 'LINK', 'NUMBER', 'PERCENTAGE', 'TEXT']).optional(),
  title: z.string(),
  value: z.union([z.string(), z.number(), z.boolean(), z.object({ text: z.string(), href: z.string() })]),
});

/**
 * A Code Insights report on a commit (OpenAPI `report`): `externalId` is the id its writer chose (the path's
 * `reportId`, unique per commit); at most 10 data fields and 1,000 annotations (both documented).
 */
export const ReportSeed = z.object({
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  externalId: z.string().min(1),
  uuid: z.string(),
  title: z.string(),
  details: z.string().default(''),
  reporter: z.string().optional(),
  reportType: z.enum(['SECURITY', 'COVERAGE', 'TEST', 'BUG']).optional(),
  result: z.enum(['PASSED', 'FAILED', 'PENDING']).optional(),
  link: z.string().optional(),
  data: z.array(ReportDataSeed).max(10).default([]),
  createdOn: Iso,
  updatedOn: Iso,
  annotations: z.array(AnnotationSeed).max(1000).default([]),
});
export type ReportSeed = z.infer<typeof ReportSeed>;

export const DeploymentSeed = z.object({
  uuid: z.string(),
  environmentUuid: z.string(),
  commit: z.string(),
  state: z.enum(['UNDEPLOYED', 'IN_PROGRESS', 'COMPLETED']),
  status: z.enum(['SUCCESSFUL', 'FAILED', 'STOPPED']).nullable().default(null),
  startedOn: Iso.nullable().default(null),
  completedOn: Iso.nullable().default(null),
});

/**
 * An SSH deploy key (OpenAPI `deploy_key` of a repository, `project_deploy_key` of a project): read access for a
 * machine, with the label its creator gave it and when it was added and last used.
 */
export const DeployKeySeed = z.object({
  id: z.number().int().positive(),
  label: z.string(),
  key: z.string().regex(/^ssh-(ed25519|rsa) [A-Za-z0-9+/=]+$/, 'an OpenSSH public key'),
  comment: z.string().optional(),
  addedOn: Iso,
  lastUsed: Iso.nullable().default(null),
  /** Who added it (a repository key's `owner`, a project key's `created_by`). */
  addedBy: z.string().nullable().default(null),
});
export type DeployKeySeed = z.infer<typeof DeployKeySeed>;

export const RepositorySeed = z.object({
  uuid: z.string(),
  slug: z.string(),
  name: z.string(),
  description: z.string().default(''),
  projectKey: z.string(),
  isPrivate: z.boolean().default(true),
  /** null: an empty repository, which has no main branch. */
  mainBranch: z.string().nullable().default('main'),
  /** The main branch's head commit (40 hex digits); derived from the uuid when not given. */
  mainHead: z
    .string()
    .regex(/^[0-9a-f]{40}$/)
    .optional(),
  language: z.string().default(''),
  createdOn: Iso,
  updatedOn: Iso,
  forkPolicy: z.enum(['allow_forks', 'no_public_forks', 'no_forks']).default('no_public_forks'),
  branchRestrictions: z.array(BranchRestrictionSeed).default([]),
  branchingModel: BranchingModelSeed.default(BranchingModelSeed.parse({})),
  defaultReviewers: z.array(z.string()).default([]),
  /** null: Pipelines was never configured (the endpoint answers 404). */
  pipelinesEnabled: z.boolean().nullable().default(null),
  /** Files on the main branch, by path. */
  files: z.record(z.string(), z.string()).default({}),
  pipelines: z.array(PipelineSeed).default([]),
  pullRequests: z.array(PullRequestSeed).default([]),
  statuses: z.array(StatusSeed).default([]),
  environments: z.array(EnvironmentSeed).default([]),
  deployments: z.array(DeploymentSeed).default([]),
  /** Repository Pipelines variables (pipelines_config/variables). */
  variables: z.array(VariableSeed).default([]),
  /** Code Insights reports on this repository's commits. */
  reports: z.array(ReportSeed).default([]),
  /** Explicit repository grants (permissions-config/users). */
  permissions: z.array(z.object({ accountId: z.string(), permission: z.enum(['read', 'write', 'admin']) })).default([]),
  /** Repository grants to groups (permissions-config/groups). */
  groupPermissions: z.array(z.object({ group: z.string(), permission: z.enum(['read', 'write', 'admin']) })).default([]),
  deployKeys: z.array(DeployKeySeed).default([]),
});
export type RepositorySeed = z.infer<typeof RepositorySeed>;

const Grant = z.enum(['read', 'write', 'create-repo', 'admin']);

/** A project and its grants, which every repository in it inherits. */
export const ProjectSeed = z.object({
  uuid: z.string(),
  key: z.string(),
  name: z.string(),
  isPrivate: z.boolean().default(true),
  userPermissions: z.array(z.object({ accountId: z.string(), permission: Grant })).default([]),
  groupPermissions: z.array(z.object({ group: z.string(), permission: Grant })).default([]),
  deployKeys: z.array(DeployKeySeed).default([]),
});

/** A workspace user group: its members get what the group is granted. */
export const GroupSeed = z.object({ slug: z.string(), name: z.string(), members: z.array(z.string()).default([]) });

export const WorkspaceSeed = z.object({
  uuid: z.string(),
  slug: z.string(),
  name: z.string(),
  projects: z.array(ProjectSeed).default([]),
  /** Workspace memberships and their permission. */
  members: z
    .array(z.object({ accountId: z.string(), permission: z.enum(['owner', 'collaborator', 'member']).default('member') }))
    .default([]),
  groups: z.array(GroupSeed).default([]),
  /** Workspace Pipelines variables (pipelines-config/variables). */
  variables: z.array(VariableSeed).default([]),
  repositories: z.array(RepositorySeed).default([]),
});
export type WorkspaceSeed = z.infer<typeof WorkspaceSeed>;

export const CredentialSeed = z.object({
  /** The Bearer token, or `email:apitoken` for Basic auth. */
  token: z.string().min(1),
  label: z.string().optional(),
  /** Whether this credential may read admin-only endpoints (branch restrictions, pipelines_config, …). */
  admin: z.boolean().default(true),
  accountId: z.string().optional(),
  rateLimitPerHour: z.number().int().positive().optional(),
});

export const Seed = z.object({
  /** The simulated instant the seed was built for (relative dates are computed from it). */
  now: Iso.optional(),
  /** Without credentials any non-empty Bearer token (or Basic pair) is accepted, as an admin. */
  credentials: z.array(CredentialSeed).default([]),
  rateLimitPerHour: z.number().int().positive().default(1000),
  /** Faults active from the start, in the shape of `BitbucketEmulator.addFault` (validated there). */
  faults: z.array(z.record(z.string(), z.unknown())).default([]),
  users: z.array(SeedUser).default([]),
  workspaces: z.array(WorkspaceSeed).min(1),
});
export type Seed = z.infer<typeof Seed>;
export type SeedInput = z.input<typeof Seed>;
