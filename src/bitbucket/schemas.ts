/**
 * zod schemas of the Bitbucket REST 2.0 responses the app reads, lenient where the live API is: unknown
 * fields are ignored (zod strips them), documented-nullable fields are allowed, and only the fields the
 * app uses are declared. Shapes follow Atlassian's OpenAPI document; the emulator's contract tests
 * validate the same shapes against it.
 */
import { z } from 'zod';

export const Account = z.object({
  uuid: z.string().optional(),
  account_id: z.string().optional(),
  display_name: z.string().optional(),
  nickname: z.string().optional(),
  type: z.string().optional(),
});
export type Account = z.infer<typeof Account>;

export const Repository = z.object({
  uuid: z.string(),
  slug: z.string().optional(),
  name: z.string().optional(),
  full_name: z.string(),
  is_private: z.boolean().optional(),
  /**
   * Who may fork it (OpenAPI `repository.fork_policy`: allow_forks, no_public_forks, no_forks). A string here, so a
   * value Bitbucket adds later makes BB-REPO-3 not-evaluable instead of failing the whole listing's parse.
   */
  fork_policy: z.string().optional(),
  mainbranch: z.object({ name: z.string() }).nullish(),
  project: z.object({ key: z.string().optional(), uuid: z.string().optional(), name: z.string().optional() }).nullish(),
  updated_on: z.string().optional(),
  links: z.object({ html: z.object({ href: z.string() }).optional() }).optional(),
});
export type Repository = z.infer<typeof Repository>;

/** The slug is the last part of `full_name` (`workspace/slug`) when the API omits `slug`. */
export function repositorySlug(repository: Repository): string {
  return repository.slug ?? repository.full_name.split('/').pop() ?? repository.full_name;
}

export const Participant = z.object({
  user: Account.nullish(),
  role: z.string().optional(),
  approved: z.boolean().optional(),
  state: z.string().nullish(),
  participated_on: z.string().nullish(),
});
export type Participant = z.infer<typeof Participant>;

export const PullRequest = z.object({
  id: z.number().int(),
  title: z.string().optional(),
  state: z.string(),
  author: Account.nullish(),
  source: z
    .object({ branch: z.object({ name: z.string() }).partial().nullish(), commit: z.object({ hash: z.string() }).nullish() })
    .partial(),
  destination: z
    .object({ branch: z.object({ name: z.string() }).partial().nullish(), commit: z.object({ hash: z.string() }).nullish() })
    .partial(),
  participants: z.array(Participant).optional(),
  merge_commit: z.object({ hash: z.string() }).nullish(),
  closed_by: Account.nullish(),
  links: z.object({ html: z.object({ href: z.string() }).optional() }).optional(),
  created_on: z.string().optional(),
  updated_on: z.string().optional(),
});
export type PullRequest = z.infer<typeof PullRequest>;

export const CommitStatus = z.object({
  key: z.string(),
  state: z.string(),
  refname: z.string().nullish(),
  name: z.string().nullish(),
  url: z.string().nullish(),
  created_on: z.string().optional(),
  updated_on: z.string().optional(),
});
export type CommitStatus = z.infer<typeof CommitStatus>;

/**
 * One entry of GET …/pullrequests/{id}/activity (read:pullrequest). The OpenAPI document's examples show
 * `update` entries carrying the source commit (a short hash) and the `date` of the update, and `approval`
 * entries carrying the approver and the `date`; comments and requested changes are other keys, ignored here.
 */
export const PullRequestActivity = z.object({
  update: z
    .object({
      date: z.string(),
      state: z.string().optional(),
      source: z
        .object({ commit: z.object({ hash: z.string() }).nullish() })
        .partial()
        .nullish(),
    })
    .optional(),
  approval: z.object({ date: z.string(), user: Account.nullish() }).optional(),
  /** A comment (OpenAPI `pullrequest_comment`): who wrote it and when; the text is never read. */
  comment: z.object({ created_on: z.string(), user: Account.nullish() }).optional(),
  /** The pull request the entry belongs to: the repository-wide log (…/pullrequests/activity) mixes them. */
  pull_request: z.object({ id: z.number().int() }).optional(),
});
export type PullRequestActivity = z.infer<typeof PullRequestActivity>;

export const Group = z.object({ slug: z.string().optional(), name: z.string().optional(), full_slug: z.string().optional() });

/** GET …/branch-restrictions (admin:repository). `value` is absent for kinds without one. */
export const BranchRestriction = z.object({
  id: z.number().int(),
  kind: z.string(),
  branch_match_kind: z.enum(['glob', 'branching_model']).optional(),
  pattern: z.string().nullish(),
  branch_type: z.string().nullish(),
  value: z.number().int().nullish(),
  users: z.array(Account).optional().default([]),
  groups: z.array(Group).optional().default([]),
});
export type BranchRestriction = z.infer<typeof BranchRestriction>;

const ModelBranch = z.object({
  use_mainbranch: z.boolean().optional(),
  name: z.string().nullish(),
  branch: z.object({ name: z.string() }).nullish(),
});

/** GET …/effective-branching-model (read:repository). */
export const BranchingModel = z.object({
  development: ModelBranch.nullish(),
  production: ModelBranch.nullish(),
  branch_types: z
    .array(z.object({ kind: z.string(), prefix: z.string().optional() }))
    .optional()
    .default([]),
});
export type BranchingModel = z.infer<typeof BranchingModel>;

/** GET …/effective-default-reviewers (read:pullrequest). */
export const DefaultReviewer = z.object({ reviewer_type: z.string().optional(), user: Account.nullish() });
export type DefaultReviewer = z.infer<typeof DefaultReviewer>;

/** GET …/pipelines_config (admin:repository). */
export const PipelinesConfig = z.object({ enabled: z.boolean() });
export type PipelinesConfig = z.infer<typeof PipelinesConfig>;

/** GET …/pipelines (read:pipeline). State by `type`; completed results under `state.result.name`. */
export const Pipeline = z.object({
  uuid: z.string(),
  build_number: z.number().int().optional(),
  created_on: z.string(),
  state: z.object({ name: z.string(), result: z.object({ name: z.string() }).nullish() }),
  target: z.object({ ref_name: z.string().nullish() }).partial().nullish(),
});
export type Pipeline = z.infer<typeof Pipeline>;

/** GET /workspaces/{w}/members (read:workspace), with `+values.user.has_2fa_enabled`. */
export const Member = z.object({
  user: Account.extend({ has_2fa_enabled: z.boolean().nullish() }),
});
export type Member = z.infer<typeof Member>;

/** GET /workspaces/{w}/permissions (read:workspace; workspace admins). */
export const WorkspacePermission = z.object({
  permission: z.string(),
  user: Account,
});
export type WorkspacePermission = z.infer<typeof WorkspacePermission>;

/**
 * A Code Insights report (OpenAPI `report`; GET …/commit/{commit}/reports, read:repository). `report_type` and
 * `result` are strings, not the documented enums, so a value Bitbucket adds later is reported as unknown by the
 * control that reads it instead of failing the whole list's parse.
 */
export const CommitReport = z.object({
  uuid: z.string().optional(),
  external_id: z.string().optional(),
  title: z.string().optional(),
  reporter: z.string().optional(),
  report_type: z.string().optional(),
  result: z.string().optional(),
  created_on: z.string().optional(),
  updated_on: z.string().optional(),
});
export type CommitReport = z.infer<typeof CommitReport>;

/** One finding of a report (OpenAPI `report_annotation`; GET …/reports/{id}/annotations, read:repository). */
export const ReportAnnotation = z.object({
  external_id: z.string().optional(),
  annotation_type: z.string().optional(),
  severity: z.string().optional(),
  result: z.string().optional(),
  summary: z.string().optional(),
  path: z.string().optional(),
  line: z.number().int().optional(),
});
export type ReportAnnotation = z.infer<typeof ReportAnnotation>;

/**
 * A Pipelines variable (OpenAPI `pipeline_variable`; read:pipeline). Only the name and whether it is secured:
 * the app asks for these fields alone (`fields=`), so a value never reaches it, and this schema has no place for one.
 */
export const PipelineVariable = z.object({ uuid: z.string().optional(), key: z.string(), secured: z.boolean().optional() });
export type PipelineVariable = z.infer<typeof PipelineVariable>;

/** A deployment environment (OpenAPI `deployment_environment`; GET …/environments, read:pipeline). */
export const DeploymentEnvironment = z.object({
  uuid: z.string(),
  name: z.string().optional(),
  environment_type: z.object({ name: z.string().optional() }).nullish(),
});
export type DeploymentEnvironment = z.infer<typeof DeploymentEnvironment>;

/**
 * A deployment (OpenAPI `deployment`; GET …/deployments, read:pipeline). The state is `deployment_state_completed`
 * (with `status.name` SUCCESSFUL, FAILED or STOPPED and the start and completion dates), in progress or undeployed.
 */
export const Deployment = z.object({
  uuid: z.string(),
  environment: z.object({ uuid: z.string() }),
  state: z.object({
    name: z.string(),
    status: z.object({ name: z.string().optional() }).nullish(),
    start_date: z.string().nullish(),
    completion_date: z.string().nullish(),
  }),
  release: z.object({ commit: z.object({ hash: z.string() }).nullish(), created_on: z.string().nullish() }).nullish(),
});
export type Deployment = z.infer<typeof Deployment>;

/** A diffstat entry (OpenAPI `diffstat`): lines added and removed in one file. */
export const Diffstat = z.object({
  lines_added: z.number().int().nonnegative().nullish(),
  lines_removed: z.number().int().nonnegative().nullish(),
});
export type Diffstat = z.infer<typeof Diffstat>;
