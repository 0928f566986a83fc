/**
 * The emulator's REST routes as a table: `[path pattern, handler]` rows per area (workspace, repository,
 * pull request), matched segment by segment (`*` one segment, `**` the rest). Each handler answers from the
 * seed as Bitbucket Cloud does: shapes from ./render.ts, filters and pagination as documented (the OpenAPI
 * document; docs/platform-facts.md §9), and access decided by ./access.ts. The transport, authentication,
 * rate limit and faults stay in ./server.ts.
 */
import { applyFields, requested, type FieldSpec } from './fields';
import { repositoryAccess } from './access';
import type { PullRequestSeed, RepositorySeed, Seed, WorkspaceSeed } from './model';
import * as render from './render';
import { sortBy } from './bbql';
import { knownCommits } from './commits';

import { HttpError, Redirect } from './http-error';
import { insightsRead, insightsWrite, variablesRead, workspaceVariables } from './insights';
import { projectAccessRoutes, repositoryAccessRoutes } from './access-routes';

export { HttpError };

export const PAGELEN_DEFAULT = 10;
export const PAGELEN_MAX = 100;
export const PULL_REQUEST_PAGELEN_MAX = 50;

export interface Credential {
  label: string;
  admin: boolean;
  accountId: string | null;
  rateLimitPerHour: number;
}

export type Users = Map<string, Seed['users'][number]>;

/** A page of a list: the largest `pagelen` the resource allows, the `fields=` asked for, and how to render an item. */
export interface PageOptions {
  max?: number;
  fields?: FieldSpec;
  renderItem?: (item: unknown) => unknown;
}

/** What the routes need of the emulator: its seed lookups, pagination and filtering, and access checks. */
export interface RouteHost {
  workspace(id: string): WorkspaceSeed;
  repository(ws: WorkspaceSeed, id: string): RepositorySeed;
  page(url: URL, items: unknown[], options?: PageOptions): Record<string, unknown>;
  filter(url: URL, items: Record<string, unknown>[]): Record<string, unknown>[];
  requireAdmin(credential: Credential, what: string, ws?: WorkspaceSeed, repo?: RepositorySeed): void;
  requireRead(credential: Credential, ws: WorkspaceSeed, repo: RepositorySeed): void;
  visibleRepositories(url: URL, credential: Credential, ws: WorkspaceSeed): RepositorySeed[];
  activity(pr: PullRequestSeed, users: Users, base: string): Record<string, unknown>[];
  /** The emulator's clock (epoch milliseconds): when a write happened. */
  now(): number;
}

/** One request as a handler sees it. `params` are the segments `*` and `**` matched, decoded. */
export interface Request {
  host: RouteHost;
  url: URL;
  credential: Credential;
  base: string;
  users: Users;
  fields: FieldSpec;
  params: string[];
  /** The matched segments undecoded: an encoded `/` in a ref stays visible. */
  rawParams: string[];
}
export type WorkspaceRequest = Request & { ws: WorkspaceSeed };
export type RepositoryRequest = WorkspaceRequest & { repo: RepositorySeed };

const page = (r: Request, items: unknown[], max = PAGELEN_MAX) => r.host.page(r.url, items, { max, fields: r.fields });
const filtered = (r: Request, items: Record<string, unknown>[], max = PAGELEN_MAX) => page(r, r.host.filter(r.url, items), max);

// ---- workspaces ---------------------------------------------------------------------------------------

function membership(r: WorkspaceRequest, accountId: string, include2fa = false): Record<string, unknown> {
  return {
    type: 'workspace_membership',
    user: render.account(r.users, accountId, r.base, include2fa),
    workspace: render.workspace(r.ws, r.base),
    links: { self: { href: `${r.base}/2.0/workspaces/${r.ws.slug}/members/${accountId}` } },
  };
}

/** One membership (OpenAPI: GET /workspaces/{workspace}/members/{member}, by UUID or Atlassian id). */
function member(r: WorkspaceRequest): unknown {
  const [wanted] = r.params;
  // A person who is not a member of the workspace is refused; a token of the workspace is not.
  if (r.credential.accountId && !r.ws.members.some((candidate) => candidate.accountId === r.credential.accountId))
    throw new HttpError(403, 'Access denied', 'You are not a member of this workspace.');
  const found = r.ws.members.find((candidate) => candidate.accountId === wanted || r.users.get(candidate.accountId)?.uuid === wanted);
  if (!found) throw new HttpError(404, `${wanted} is not a member of ${r.ws.slug}`);
  return applyFields(membership(r, found.accountId), r.fields);
}

function workspacePermissions(r: WorkspaceRequest): unknown {
  r.host.requireAdmin(r.credential, 'workspace permissions', r.ws);
  // The document describes filtering this list by `permission` only (OpenAPI, GET
  // /workspaces/{workspace}/permissions): a filter on any other field is refused here, so the app cannot
  // come to rely on an undocumented one.
  const q = r.url.searchParams.get('q');
  if (q && !/^\s*permission\s*=\s*"(owner|collaborator|member)"\s*$/.test(q))
    throw new HttpError(400, 'Unsupported filter', 'only q=permission="…" is documented for this resource');
  const entries = r.ws.members.map((entry) => ({
    type: 'workspace_membership',
    permission: entry.permission,
    user: render.account(r.users, entry.accountId, r.base),
    workspace: render.workspace(r.ws, r.base),
  }));
  return filtered(r, entries);
}

/** Effective permission per repository and member, however it is granted (./access.ts). */
function repositoryPermissions(r: WorkspaceRequest): unknown {
  r.host.requireAdmin(r.credential, 'repository permissions', r.ws);
  const entries = r.ws.repositories.flatMap((repo) =>
    r.ws.members
      .map((entry) => ({ accountId: entry.accountId, access: repositoryAccess(r.ws, repo, entry.accountId) }))
      .filter((grant) => grant.access !== 'none')
      .map((grant) => ({
        type: 'repository_permission',
        permission: grant.access,
        user: render.account(r.users, grant.accountId, r.base),
        repository: { type: 'repository', uuid: repo.uuid, full_name: `${r.ws.slug}/${repo.slug}`, name: repo.name, links: {} },
      })),
  );
  return filtered(r, entries);
}

const WORKSPACE_ROUTES: Array<[string, (r: WorkspaceRequest) => unknown]> = [
  ['', (r) => applyFields(render.workspace(r.ws, r.base), r.fields)],
  [
    'projects',
    (r) =>
      filtered(
        r,
        r.ws.projects.map((project) => render.project(r.ws, project.key)),
      ),
  ],
  [
    'members',
    (r) => {
      const include2fa = requested(r.fields, 'values.user.has_2fa_enabled') && r.credential.admin;
      return filtered(
        r,
        r.ws.members.map((entry) => membership(r, entry.accountId, include2fa)),
      );
    },
  ],
  ['members/*', member],
  ['permissions', workspacePermissions],
  ['permissions/repositories', repositoryPermissions],
  ['pipelines-config/variables', workspaceVariables],
  ...projectAccessRoutes,
];

// ---- repositories ---------------------------------------------------------------------------------------

function listRepositories(r: WorkspaceRequest): unknown {
  const { ws, url } = r;
  const sort = url.searchParams.get('sort');
  const visible = r.host.visibleRepositories(url, r.credential, ws);
  if (!url.searchParams.get('q') && (sort === null || sort === 'slug')) {
    // Render only the page asked for: large generated workspaces list 10,000 repositories.
    const ordered = sort === 'slug' ? [...visible].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0)) : visible;
    return r.host.page(url, ordered, { fields: r.fields, renderItem: (repo) => render.repository(ws, repo as RepositorySeed, r.base) });
  }
  return filtered(
    r,
    visible.map((repo) => render.repository(ws, repo, r.base)),
  );
}

function branchRestrictions(r: RepositoryRequest): unknown {
  r.host.requireAdmin(r.credential, 'branch restrictions', r.ws, r.repo);
  const kind = r.url.searchParams.get('kind');
  const pattern = r.url.searchParams.get('pattern');
  const list = r.repo.branchRestrictions
    .filter((restriction) => (kind ? restriction.kind === kind : true) && (pattern ? restriction.pattern === pattern : true))
    .map((restriction) => render.branchRestriction({ ws: r.ws, repo: r.repo }, restriction, r.users, r.base));
  return page(r, list);
}

function defaultReviewers(effective: boolean) {
  return (r: RepositoryRequest): unknown =>
    page(
      r,
      r.repo.defaultReviewers.map((id) =>
        effective
          ? { type: 'default_reviewer_and_type', reviewer_type: 'repository', user: render.account(r.users, id, r.base) }
          : render.account(r.users, id, r.base),
      ),
    );
}

function pipelines(r: RepositoryRequest): unknown {
  const query = r.url.searchParams;
  let list = [...r.repo.pipelines];
  const branch = query.get('target.branch') ?? query.get('target.ref_name');
  if (branch) list = list.filter((pipeline) => pipeline.branch === branch);
  const hash = query.get('target.commit.hash');
  if (hash) list = list.filter((pipeline) => pipeline.commit.startsWith(hash));
  const trigger = query.get('trigger_type');
  if (trigger) list = list.filter((pipeline) => pipeline.trigger === trigger);
  const status = query.get('status');
  if (status) list = list.filter((pipeline) => pipeline.state === status || pipeline.result === status);
  const createdOn = query.get('created_on');
  if (createdOn) list = list.filter((pipeline) => Date.parse(pipeline.createdOn) >= Date.parse(createdOn));
  const rendered = list.map((pipeline) => render.pipeline(r.ws, r.repo, pipeline));
  return page(r, sortBy(rendered, query.get('sort') ?? 'created_on'));
}

function branches(r: RepositoryRequest): unknown {
  const { repo } = r;
  if (repo.mainBranch === null) return page(r, []);
  const heads = new Map<string, string>([[repo.mainBranch, render.mainHead(repo)]]);
  for (const pr of repo.pullRequests) if (pr.state === 'OPEN' && !heads.has(pr.sourceBranch)) heads.set(pr.sourceBranch, pr.sourceCommit);
  return filtered(
    r,
    [...heads].map(([name, head]) => render.branch(r.ws, repo, { name, head, updatedOn: repo.updatedOn }, r.base)),
  );
}

/**
 * `src/{commit}/{path}`: the document names the first segment "The commit's SHA1". A branch name also
 * resolves, but one with `/` cannot be one path segment (Forge's route refuses it unencoded, and an encoded
 * %2F is not a documented form), so it is not found here.
 */
function source(r: RepositoryRequest): unknown {
  const { repo } = r;
  const [ref] = r.rawParams;
  const path = r.params.slice(1).join('/');
  if (!ref || !path) throw new HttpError(404, 'Resource not found');
  if (repo.mainBranch === null) throw new HttpError(404, 'Repository is empty');
  const head = render.mainHead(repo);
  const isHead = /^[0-9a-f]{7,40}$/.test(ref) && head.startsWith(ref);
  if (!isHead && ref !== repo.mainBranch) throw new HttpError(404, `Commit not found: ${decodeURIComponent(ref)}`);
  const content = repo.files[path];
  if (content === undefined) throw new HttpError(404, `No such file or directory: ${path}`);
  return content;
}

/** Bitbucket's timestamps carry microseconds, which Date.parse does not take: compared to the millisecond. */
function entryTime(entry: Record<string, unknown>): number {
  const dated = (entry.update ?? entry.approval) as { date?: string } | undefined;
  const comment = entry.comment as { created_on?: string } | undefined;
  return Date.parse(String(dated?.date ?? comment?.created_on ?? '').replace(/(\.\d{3})\d+/, '$1'));
}

/**
 * GET …/pullrequests/activity (OpenAPI: "Returns a paginated list of the pull request's activity log", at repository
 * level): every pull request's entries in one log, newest first, each naming its `pull_request`.
 */
function repositoryActivity(r: RepositoryRequest): unknown {
  const entries = r.repo.pullRequests.flatMap((pr) => r.host.activity(pr, r.users, r.base));
  return page(
    r,
    entries.sort((a, b) => entryTime(b) - entryTime(a)),
    PULL_REQUEST_PAGELEN_MAX,
  );
}

/** GET …/pullrequests/{id}/diffstat: a 302 to the repository diffstat of `source..destination` (OpenAPI). */
function pullRequestDiffstat(r: RepositoryRequest): Redirect {
  const pr = pullRequestOf(r);
  const spec = `${pr.sourceCommit.slice(0, 12)}..${pr.destinationCommit.slice(0, 12)}`;
  return new Redirect(`${r.base}/2.0/repositories/${r.ws.slug}/${r.repo.slug}/diffstat/${spec}?from_pullrequest_id=${pr.id}`);
}

/** GET …/diffstat/{spec} (OpenAPI `diffstat`): one entry per file, lines added and removed, for a pull request's range. */
function diffstat(r: RepositoryRequest): unknown {
  const [source = '', destination = ''] = (r.params[0] ?? '').toLowerCase().split('..');
  const pr = r.repo.pullRequests.find(
    (candidate) => source.length >= 7 && candidate.sourceCommit.startsWith(source) && candidate.destinationCommit.startsWith(destination),
  );
  if (!pr) throw new HttpError(404, `Commit not found: ${r.params[0] ?? ''}`);
  return page(
    r,
    pr.diffstat.map((file) => ({
      type: 'diffstat',
      status: 'modified',
      lines_added: file.added,
      lines_removed: file.removed,
      old: { type: 'commit_file', path: file.path },
      new: { type: 'commit_file', path: file.path },
    })),
    500,
  );
}

function deployments(r: RepositoryRequest): unknown {
  const state = (d: RepositorySeed['deployments'][number]) =>
    d.state === 'COMPLETED'
      ? {
          type: 'deployment_state_completed',
          name: 'COMPLETED',
          status: { type: `deployment_state_completed_status_${(d.status ?? 'SUCCESSFUL').toLowerCase()}`, name: d.status ?? 'SUCCESSFUL' },
          start_date: render.bbTime(d.startedOn ?? d.completedOn) ?? undefined,
          completion_date: render.bbTime(d.completedOn) ?? undefined,
        }
      : d.state === 'IN_PROGRESS'
        ? { type: 'deployment_state_in_progress', name: 'IN_PROGRESS' }
        : { type: 'deployment_state_undeployed', name: 'UNDEPLOYED' };
  return page(
    r,
    r.repo.deployments.map((d) => ({
      type: 'deployment',
      uuid: d.uuid,
      environment: { type: 'deployment_environment', uuid: d.environmentUuid },
      state: state(d),
      release: {
        type: 'deployment_release',
        uuid: d.uuid.replace('}', '-release}'),
        name: `#${d.commit.slice(0, 7)}`,
        commit: { type: 'commit', hash: d.commit },
        created_on: render.bbTime(d.startedOn ?? d.completedOn) ?? undefined,
      },
    })),
  );
}

function permissionsConfig(kind: 'users' | 'groups') {
  return (r: RepositoryRequest): unknown => {
    const { ws, repo } = r;
    r.host.requireAdmin(r.credential, 'repository permissions', ws, repo);
    if (kind === 'users')
      return page(
        r,
        repo.permissions.map((grant) => ({
          type: 'repository_user_permission',
          permission: grant.permission,
          user: render.account(r.users, grant.accountId, r.base),
          links: {},
        })),
      );
    const groups = repo.groupPermissions.map((grant) => {
      const group = ws.groups.find((candidate) => candidate.slug === grant.group);
      return {
        type: 'repository_group_permission',
        permission: grant.permission,
        group: { type: 'group', slug: grant.group, name: group?.name ?? grant.group, full_slug: `${ws.slug}:${grant.group}`, links: {} },
        links: {},
      };
    });
    return page(r, groups);
  };
}

// ---- pull requests ------------------------------------------------------------------------------------

function listPullRequests(r: RepositoryRequest): unknown {
  // Lists answer OPEN only unless `state` is given; `state` is repeatable (docs/platform-facts.md §9).
  const states = r.url.searchParams.getAll('state').map((state) => state.toUpperCase());
  const wanted = states.length > 0 ? states : ['OPEN'];
  // `participants` are only in the single representation unless asked for with `+values.participants`.
  const withParticipants = requested(r.fields, 'values.participants');
  const list = r.repo.pullRequests
    .filter((pr) => wanted.includes(pr.state))
    .map((pr) => render.pullRequest(r.ws, r.repo, pr, { users: r.users, base: r.base, withParticipants }));
  return filtered(r, list, PULL_REQUEST_PAGELEN_MAX);
}

function pullRequestOf(r: RepositoryRequest): PullRequestSeed {
  const [id] = r.params;
  const pr = r.repo.pullRequests.find((candidate) => String(candidate.id) === id);
  if (!pr) throw new HttpError(404, `Pull request ${id} not found`);
  return pr;
}

function statusesOf(r: RepositoryRequest, commit: string): unknown {
  const list = r.repo.statuses
    .filter((status) => commit.startsWith(status.commit) || status.commit.startsWith(commit))
    .map((status) => render.commitStatus(r.ws, r.repo, status, r.base));
  return filtered(r, list);
}

/**
 * GET …/commits/{revision}: the commits on a ref, newest first, paginated ("similar to the output of `git log`",
 * OpenAPI document). The model keeps the main branch only as its head and the merge commits of the pull
 * requests merged into it; a pull request's own commits are not modelled.
 */
function commitsOn(r: RepositoryRequest): unknown {
  const { repo } = r;
  const [revision] = r.params;
  if (repo.mainBranch === null) throw new HttpError(404, 'Repository is empty');
  const head = render.mainHead(repo);
  if (revision !== repo.mainBranch && !(revision && /^[0-9a-f]{7,40}$/.test(revision) && head.startsWith(revision)))
    throw new HttpError(404, `Commit not found: ${revision ?? ''}`);
  const merges = knownCommits(repo)
    .filter((known) => repo.pullRequests.some((pr) => pr.mergeCommit === known.hash && pr.destinationBranch === repo.mainBranch))
    .sort((a, b) => b.date.localeCompare(a.date));
  const history = [...knownCommits(repo).filter((known) => known.hash === head), ...merges];
  return r.host.page(r.url, history, {
    fields: r.fields,
    renderItem: (item) => render.commit(r.ws, repo, item as (typeof history)[number], { users: r.users, base: r.base }),
  });
}

function commitOf(r: RepositoryRequest): unknown {
  const wanted = (r.params[0] ?? '').toLowerCase();
  if (!/^[0-9a-f]{7,40}$/.test(wanted)) throw new HttpError(404, `Commit not found: ${wanted}`);
  const matches = knownCommits(r.repo).filter((candidate) => candidate.hash.startsWith(wanted));
  const distinct = new Set(matches.map((candidate) => candidate.hash));
  if (distinct.size !== 1 || !matches[0]) throw new HttpError(404, `Commit not found: ${wanted}`);
  return applyFields(render.commit(r.ws, r.repo, matches[0], { users: r.users, base: r.base }), r.fields);
}

const REPOSITORY_ROUTES: Array<[string, (r: RepositoryRequest) => unknown]> = [
  ['', (r) => applyFields(render.repository(r.ws, r.repo, r.base), r.fields)],
  ['branch-restrictions', branchRestrictions],
  ['branching-model', (r) => applyFields(render.branchingModel(r.repo, false), r.fields)],
  ['effective-branching-model', (r) => applyFields(render.branchingModel(r.repo, true), r.fields)],
  ['default-reviewers', defaultReviewers(false)],
  ['effective-default-reviewers', defaultReviewers(true)],
  [
    'pipelines_config',
    (r) => {
      r.host.requireAdmin(r.credential, 'the Pipelines configuration', r.ws, r.repo);
      const repository = { type: 'repository', uuid: r.repo.uuid, full_name: `${r.ws.slug}/${r.repo.slug}`, name: r.repo.name, links: {} };
      return applyFields({ type: 'repository_pipelines_configuration', enabled: r.repo.pipelinesEnabled === true, repository }, r.fields);
    },
  ],
  ['pipelines', pipelines],
  ['refs/branches', branches],
  ['src/*/**', source],
  ['pullrequests', listPullRequests],
  // Before `pullrequests/*`: the first pattern that matches answers.
  ['pullrequests/activity', repositoryActivity],
  [
    'pullrequests/*',
    (r) =>
      applyFields(render.pullRequest(r.ws, r.repo, pullRequestOf(r), { users: r.users, base: r.base, withParticipants: true }), r.fields),
  ],
  ['pullrequests/*/statuses', (r) => statusesOf(r, pullRequestOf(r).sourceCommit)],
  ['pullrequests/*/activity', (r) => page(r, r.host.activity(pullRequestOf(r), r.users, r.base), PULL_REQUEST_PAGELEN_MAX)],
  ['pullrequests/*/diffstat', pullRequestDiffstat],
  ['diffstat/*', diffstat],
  ['commit/*', commitOf],
  ['commits/*', commitsOn],
  ['commit/*/statuses', (r) => statusesOf(r, r.params[0] ?? '')],
  [
    'environments',
    (r) =>
      page(
        r,
        r.repo.environments.map((env) => ({
          type: 'deployment_environment',
          uuid: env.uuid,
          name: env.name,
          environment_type: { type: 'deployment_environment_type', name: env.type },
        })),
      ),
  ],
  ['deployments', deployments],
  ['permissions-config/users', permissionsConfig('users')],
  ['permissions-config/groups', permissionsConfig('groups')],
  ...insightsRead,
  ...variablesRead,
  ...repositoryAccessRoutes,
];

/** The segments `*` and `**` of `pattern` matched in `segments`, or null when the pattern does not match. */
function match(pattern: string, segments: readonly string[]): number[] | null {
  const parts = pattern === '' ? [] : pattern.split('/');
  const matched: number[] = [];
  for (const [i, part] of parts.entries()) {
    if (part === '**') {
      if (segments.length <= i) return null;
      for (let rest = i; rest < segments.length; rest++) matched.push(rest);
      return matched;
    }
    if (i >= segments.length) return null;
    if (part === '*') matched.push(i);
    else if (part !== segments[i]) return null;
  }
  return parts.length === segments.length ? matched : null;
}

function dispatch<R extends Request>(
  table: Array<[string, (r: R) => unknown]>,
  request: Omit<R, 'params' | 'rawParams'>,
  raw: string[],
): unknown {
  const segments = raw.map((segment) => decodeURIComponent(segment));
  for (const [pattern, handler] of table) {
    const matched = match(pattern, segments);
    if (matched === null) continue;
    return handler({ ...request, params: matched.map((i) => segments[i] ?? ''), rawParams: matched.map((i) => raw[i] ?? '') } as R);
  }
  throw new HttpError(404, 'Resource not found');
}

/** Answers one GET under /2.0 from the table, or throws an HttpError as Bitbucket answers it. */
export function route(
  host: RouteHost,
  request: { url: URL; credential: Credential; base: string; users: Users; fields: FieldSpec },
): unknown {
  const raw = request.url.pathname.split('/').filter(Boolean);
  if (raw[0] !== '2.0' || !raw[2]) throw new HttpError(404, 'Resource not found');
  const base = { host, ...request };
  const ws = host.workspace(raw[2]);
  if (raw[1] === 'workspaces') return dispatch(WORKSPACE_ROUTES, { ...base, ws }, raw.slice(3));
  if (raw[1] !== 'repositories') throw new HttpError(404, 'Resource not found');
  if (raw[3] === undefined) return listRepositories({ ...base, ws, params: [], rawParams: [] });
  const repo = host.repository(ws, raw[3]);
  host.requireRead(request.credential, ws, repo);
  return dispatch(REPOSITORY_ROUTES, { ...base, ws, repo }, raw.slice(4));
}

/**
 * Answers one write under /2.0/repositories (the Code Insights writes of ./insights.ts), or throws an HttpError:
 * 405 for a method the resource does not take, as Bitbucket answers it.
 */
export function writeRoute(
  host: RouteHost,
  request: { url: URL; method: string; body: unknown; credential: Credential; base: string; users: Users; fields: FieldSpec },
): unknown {
  const raw = request.url.pathname.split('/').filter(Boolean);
  if (raw[0] !== '2.0' || raw[1] !== 'repositories' || !raw[2] || !raw[3])
    throw new HttpError(405, `${request.method} is not allowed here`);
  const ws = host.workspace(raw[2]);
  const repo = host.repository(ws, raw[3]);
  host.requireRead(request.credential, ws, repo);
  const table = insightsWrite
    .filter(([method]) => method === request.method)
    .map(([, pattern, handler]): [string, (r: RepositoryRequest & { body: unknown }) => unknown] => [pattern, handler]);
  const { method: _method, ...rest } = request;
  try {
    return dispatch(table, { host, ...rest, ws, repo }, raw.slice(4));
  } catch (error) {
    // A path that answers GET but not this method is 405, not 404.
    if (error instanceof HttpError && error.status === 404 && error.message === 'Resource not found')
      throw new HttpError(405, `${request.method} is not allowed here`);
    throw error;
  }
}
