/**
 * One typed call per data need. Paths use the {}-wrapped workspace and repository UUIDs: Forge requires the
 * workspace UUID, not the slug (docs/platform-facts.md §8). `fields=` asks only for what the schemas declare.
 */
import { route } from '@forge/api';
import type { BitbucketClient } from './client';
import { BitbucketError } from './errors';
import { paginate, type Paginated } from './paginate';
import {
  BranchRestriction,
  BranchingModel,
  CommitStatus,
  DefaultReviewer,
  Member,
  Pipeline,
  PipelinesConfig,
  PullRequest,
  PullRequestActivity,
  Repository,
  WorkspacePermission,
} from './schemas';
import { instantMs } from '../lib/instant';
import { isUuid, wrapUuid } from '../lib/uuid';
import { z } from 'zod';

/** A repository of a workspace, by UUID (with or without braces). */
export interface RepositoryRef {
  workspaceUuid: string;
  repositoryUuid: string;
}

/** A branch, and the instant a listing reads back to. */
export interface BranchWindow {
  branch: string;
  since: Date;
}

const REPOSITORY_FIELDS =
  'uuid,slug,name,full_name,is_private,mainbranch.name,project.key,project.uuid,project.name,updated_on,links.html.href';

/** GET /2.0/repositories/{workspace}/{repo_slug} (read:repository). */
export function getRepository(client: BitbucketClient, workspaceUuid: string, repositoryUuid: string): Promise<Repository> {
  const [workspace, repository] = [wrapUuid(workspaceUuid), wrapUuid(repositoryUuid)];
  return client.getJson(
    (bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}?fields=${REPOSITORY_FIELDS}`),
    Repository,
  );
}

/** GET /2.0/repositories/{workspace} (read:repository), 100 per page, the endpoint's maximum. */
export function listRepositories(client: BitbucketClient, workspaceUuid: string, maxPages = 100): Promise<Paginated<Repository>> {
  const fields = REPOSITORY_FIELDS.split(',')
    .map((field) => `values.${field}`)
    .concat('next', 'size')
    .join(',');
  const workspace = wrapUuid(workspaceUuid);
  return paginate(
    client,
    (bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}?pagelen=100&sort=slug&fields=${fields}`),
    Repository,
    { maxPages },
  );
}

/** GET …/pullrequests/{id} (read:pullrequest): the single pull request carries `participants`. */
export function getPullRequest(client: BitbucketClient, workspaceUuid: string, repositoryUuid: string, id: number): Promise<PullRequest> {
  const [workspace, repository] = [wrapUuid(workspaceUuid), wrapUuid(repositoryUuid)];
  return client.getJson(
    (bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/pullrequests/${id}`),
    PullRequest,
  );
}

/** GET …/pullrequests/{id}/statuses (read:pullrequest): statuses of the pull request's head commit. */
export async function getPullRequestStatuses(
  client: BitbucketClient,
  workspaceUuid: string,
  repositoryUuid: string,
  id: number,
): Promise<CommitStatus[]> {
  const [workspace, repository] = [wrapUuid(workspaceUuid), wrapUuid(repositoryUuid)];
  const page = await paginate(
    client,
    (bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/pullrequests/${id}/statuses?pagelen=100`),
    CommitStatus,
    { maxPages: 5 },
  );
  // A list cut short is not the list: a FAILED status on a page not read must not read as "all passed".
  if (page.truncated)
    throw new BitbucketError(
      'upstream',
      `/2.0/repositories/${workspace}/${repository}/pullrequests/${id}/statuses`,
      null,
      `more than ${page.values.length} statuses; the rest were not read`,
    );
  return page.values;
}

/**
 * GET …/pullrequests/{id}/activity (read:pullrequest), at most `maxPages` pages of 50. The order of the log is
 * not documented, so callers read dates, not positions; `truncated` says the log went on past what was read.
 */
export function getPullRequestActivity(
  client: BitbucketClient,
  target: RepositoryRef & { id: number },
  maxPages: number,
): Promise<Paginated<PullRequestActivity>> {
  const [workspace, repository, id] = [wrapUuid(target.workspaceUuid), wrapUuid(target.repositoryUuid), target.id];
  return paginate(
    client,
    (bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/pullrequests/${id}/activity?pagelen=50`),
    PullRequestActivity,
    { maxPages },
  );
}

/** GET …/branch-restrictions (admin:repository:bitbucket). */
export function listBranchRestrictions(
  client: BitbucketClient,
  workspaceUuid: string,
  repositoryUuid: string,
): Promise<Paginated<BranchRestriction>> {
  const [workspace, repository] = [wrapUuid(workspaceUuid), wrapUuid(repositoryUuid)];
  return paginate(
    client,
    (bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/branch-restrictions?pagelen=100`),
    BranchRestriction,
    { maxPages: 10 },
  );
}

/** GET …/effective-branching-model (read:repository): includes what the project's model passes down. */
export function getEffectiveBranchingModel(
  client: BitbucketClient,
  workspaceUuid: string,
  repositoryUuid: string,
): Promise<BranchingModel> {
  const [workspace, repository] = [wrapUuid(workspaceUuid), wrapUuid(repositoryUuid)];
  return client.getJson(
    (bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/effective-branching-model`),
    BranchingModel,
  );
}

/** GET …/effective-default-reviewers (read:pullrequest): repository and project default reviewers. */
export function listEffectiveDefaultReviewers(
  client: BitbucketClient,
  workspaceUuid: string,
  repositoryUuid: string,
): Promise<Paginated<DefaultReviewer>> {
  const [workspace, repository] = [wrapUuid(workspaceUuid), wrapUuid(repositoryUuid)];
  return paginate(
    client,
    (bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/effective-default-reviewers?pagelen=100`),
    DefaultReviewer,
    { maxPages: 5 },
  );
}

/** GET …/pipelines_config (admin:repository:bitbucket). */
export function getPipelinesConfig(client: BitbucketClient, workspaceUuid: string, repositoryUuid: string): Promise<PipelinesConfig> {
  const [workspace, repository] = [wrapUuid(workspaceUuid), wrapUuid(repositoryUuid)];
  return client.getJson(
    (bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/pipelines_config`),
    PipelinesConfig,
  );
}

const Branch = z.object({ name: z.string(), target: z.object({ hash: z.string().regex(/^[0-9a-f]{7,40}$/) }) });

/**
 * GET …/refs/branches?q=name="…" (read:repository): the head commit of a branch. The name goes in the query
 * string, where Forge's `route` encodes it, because a name with `/` cannot be a path segment ("Disallowing
 * path manipulation attempt"). Not found is an error: the caller cannot go on without it.
 */
export async function getBranchHead(
  client: BitbucketClient,
  workspaceUuid: string,
  repositoryUuid: string,
  branch: string,
): Promise<string> {
  const [workspace, repository] = [wrapUuid(workspaceUuid), wrapUuid(repositoryUuid)];
  const q = `name = ${JSON.stringify(branch)}`;
  const page = await client.getJson(
    (bitbucket) =>
      bitbucket.requestBitbucket(
        route`/2.0/repositories/${workspace}/${repository}/refs/branches?q=${q}&fields=${'values.name,values.target.hash'}`,
      ),
    z.object({ values: z.array(Branch) }),
  );
  const found = page.values.find((candidate) => candidate.name === branch);
  if (!found)
    throw new BitbucketError(
      'not-found',
      `/2.0/repositories/${workspace}/${repository}/refs/branches`,
      404,
      `no branch named ${JSON.stringify(branch)}`,
    );
  return found.target.hash;
}

/**
 * GET …/commit/{commit}?fields=hash (read:repository): the full 40-digit hash of a commit known by an
 * abbreviation. A pull request's `merge_commit.hash` is abbreviated on the live API (docs/platform-facts.md
 * §9); an auditor matching evidence to `git log` needs the whole hash. The answer must extend what was asked.
 */
export async function getFullCommitHash(
  client: BitbucketClient,
  target: { workspaceUuid: string; repositoryUuid: string },
  commit: string,
): Promise<string> {
  const [workspace, repository] = [wrapUuid(target.workspaceUuid), wrapUuid(target.repositoryUuid)];
  if (!/^[0-9a-f]{7,40}$/.test(commit)) throw new Error(`getFullCommitHash needs a commit hash, not ${JSON.stringify(commit)}`);
  const found = await client.getJson(
    (bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/commit/${commit}?fields=${'hash'}`),
    z.object({ hash: z.string().regex(/^[0-9a-f]{40}$/) }),
  );
  if (!found.hash.startsWith(commit))
    throw new BitbucketError(
      'upstream',
      `/2.0/repositories/${workspace}/${repository}/commit/${commit}`,
      null,
      `answered commit ${found.hash}`,
    );
  return found.hash;
}

/**
 * GET …/commits/{branch}?fields=values.hash,next (read:repository): full hashes on a branch, newest first, a
 * hundred a request, until `wanted` (abbreviations) are all found or `maxPages` were read. One listing resolves
 * the merge commits of many pull requests where GET …/commit/{hash} would take a request each.
 */
export async function resolveOnBranch(
  client: BitbucketClient,
  target: { workspaceUuid: string; repositoryUuid: string; branch: string },
  wanted: { abbreviations: readonly string[]; maxPages: number },
): Promise<Map<string, string>> {
  const [workspace, repository] = [wrapUuid(target.workspaceUuid), wrapUuid(target.repositoryUuid)];
  const pending = new Set(wanted.abbreviations);
  const found = new Map<string, string>();
  // A branch name with `/` cannot be one path segment (see getPipelinesFile): those are looked up one by one.
  if (pending.size === 0 || target.branch.includes('/')) return found;
  const claim = (hash: string) => {
    for (const abbreviation of pending)
      if (hash.startsWith(abbreviation)) {
        found.set(abbreviation, hash);
        pending.delete(abbreviation);
      }
    return pending.size === 0;
  };
  await paginate(
    client,
    (bitbucket) =>
      bitbucket.requestBitbucket(
        route`/2.0/repositories/${workspace}/${repository}/commits/${target.branch}?pagelen=100&fields=${'values.hash,next'}`,
      ),
    z.object({ hash: z.string().regex(/^[0-9a-f]{40}$/) }),
    { maxPages: wanted.maxPages, stopAfter: (commit) => claim(commit.hash) },
  );
  return found;
}

/**
 * GET …/src/{commit}/bitbucket-pipelines.yml (read:repository) at a commit hash, never a branch name (see
 * getBranchHead); `null` when the file does not exist at that commit.
 */
export function getPipelinesFile(
  client: BitbucketClient,
  workspaceUuid: string,
  repositoryUuid: string,
  commit: string,
): Promise<string | null> {
  const [workspace, repository] = [wrapUuid(workspaceUuid), wrapUuid(repositoryUuid)];
  if (!/^[0-9a-f]{7,40}$/.test(commit)) throw new Error(`getPipelinesFile needs a commit hash, not ${JSON.stringify(commit)}`);
  return client.getText((bitbucket) =>
    bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/src/${commit}/bitbucket-pipelines.yml`),
  );
}

/** GET …/pipelines on the main branch, newest first, back to `since` (read:pipeline). Pipelines use their own parameters, not BBQL. */
export async function listMainBranchPipelines(
  client: BitbucketClient,
  target: RepositoryRef,
  window: BranchWindow,
): Promise<Paginated<Pipeline>> {
  const [workspace, repository] = [wrapUuid(target.workspaceUuid), wrapUuid(target.repositoryUuid)];
  const { branch, since } = window;
  const listing = await paginate(
    client,
    (bitbucket) =>
      bitbucket.requestBitbucket(
        route`/2.0/repositories/${workspace}/${repository}/pipelines?target.branch=${branch}&sort=-created_on&pagelen=100`,
      ),
    Pipeline,
    { maxPages: 10, stopAfter: (pipeline) => instantMs(pipeline.created_on) < since.getTime() },
  );
  return { ...listing, values: listing.values.filter((pipeline) => instantMs(pipeline.created_on) >= since.getTime()) };
}

/**
 * Pull requests merged into `branch` and updated since `since`, with participants (`+values.participants`: the
 * list omits them otherwise). 50 a page is the pull-request list's maximum (docs/platform-facts.md §9). A merged
 * pull request's `updated_on` is its merge unless it was commented on later. Newest first by default; a
 * backfill reads them oldest first (`oldestFirst`), so it can stop anywhere and go on from the last it handled.
 */
export function listMergedPullRequestsSince(
  client: BitbucketClient,
  target: RepositoryRef,
  window: BranchWindow & { oldestFirst?: boolean },
  maxPages = 20,
): Promise<Paginated<PullRequest>> {
  const [workspace, repository] = [wrapUuid(target.workspaceUuid), wrapUuid(target.repositoryUuid)];
  const { branch, since } = window;
  const q = `destination.branch.name = ${JSON.stringify(branch)} AND updated_on >= ${since.toISOString()}`;
  const sort = window.oldestFirst ? 'updated_on' : '-updated_on';
  return paginate(
    client,
    (bitbucket) =>
      bitbucket.requestBitbucket(
        route`/2.0/repositories/${workspace}/${repository}/pullrequests?state=MERGED&q=${q}&sort=${sort}&fields=${'+values.participants'}&pagelen=50`,
      ),
    PullRequest,
    { maxPages },
  );
}

/** GET /workspaces/{w}/members with `+values.user.has_2fa_enabled` (read:workspace; the flag needs an admin). */
export function listMembers(client: BitbucketClient, workspaceUuid: string): Promise<Paginated<Member>> {
  const workspace = wrapUuid(workspaceUuid);
  return paginate(
    client,
    (bitbucket) =>
      bitbucket.requestBitbucket(route`/2.0/workspaces/${workspace}/members?pagelen=100&fields=${'+values.user.has_2fa_enabled'}`),
    Member,
    { maxPages: 100 },
  );
}

/** GET /workspaces/{w}/permissions?q=permission="owner" (read:workspace). */
export function listWorkspaceOwners(client: BitbucketClient, workspaceUuid: string): Promise<Paginated<WorkspacePermission>> {
  const workspace = wrapUuid(workspaceUuid);
  return paginate(
    client,
    (bitbucket) => bitbucket.requestBitbucket(route`/2.0/workspaces/${workspace}/permissions?q=${'permission="owner"'}&pagelen=100`),
    WorkspacePermission,
    { maxPages: 20 },
  );
}

export const Workspace = z.object({ uuid: z.string(), slug: z.string(), name: z.string().optional() });
export type Workspace = z.infer<typeof Workspace>;

/** GET /2.0/workspaces/{workspace} (read:workspace): resolves a slug or {uuid} to both. */
export function getWorkspace(client: BitbucketClient, workspace: string): Promise<Workspace> {
  const id = isUuid(workspace) ? wrapUuid(workspace) : workspace;
  return client.getJson((bitbucket) => bitbucket.requestBitbucket(route`/2.0/workspaces/${id}`), Workspace);
}
