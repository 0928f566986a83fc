/**
 * Renders the model in the shapes Bitbucket Cloud's REST API 2.0 answers with (Atlassian's OpenAPI document;
 * the contract tests validate every route against it). `base` is the emulator's own origin, so links are
 * absolute like the real ones.
 */
import crypto from 'node:crypto';
import type { BranchRestrictionSeed, PipelineSeed, PullRequestSeed, RepositorySeed, Seed, StatusSeed, WorkspaceSeed } from './model';

type User = Seed['users'][number];

/**
 * Bitbucket's date-time form: microseconds and a `+00:00` offset, e.g. `2018-09-21T15:53:38.794718+00:00`
 * (every date-time example in the OpenAPI document; the recorded responses in
 * test/fixtures/bitbucket-recorded/). The sub-millisecond digits are derived from the instant so the same
 * model renders the same bytes; they are never zero, so code that drops them is exercised.
 */
export function bbTime(iso: string): string;
export function bbTime(iso: string | null): string | null;
export function bbTime(iso: string | null): string | null {
  if (iso === null) return null;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`the emulator model holds an invalid date-time: ${iso}`);
  const micros = String(((ms % 997) + 1) % 1000).padStart(3, '0');
  return new Date(ms).toISOString().replace(/Z$/, `${micros}+00:00`);
}

/** `{type, name, full_name, uuid, links}`: how a repository is referenced inside other objects (recorded). */
function repositoryRef(ws: WorkspaceSeed, repo: RepositorySeed, base: string): Record<string, unknown> {
  return {
    type: 'repository',
    name: repo.name,
    full_name: `${ws.slug}/${repo.slug}`,
    uuid: repo.uuid,
    links: {
      self: { href: `${base}/2.0/repositories/${ws.slug}/${repo.slug}` },
      html: { href: `https://bitbucket.org/${ws.slug}/${repo.slug}` },
      avatar: { href: `https://bytebucket.org/ravatar/${encodeURIComponent(repo.uuid)}?ts=default` },
    },
  };
}

/** `{hash, type, links}`: a commit inside a pull request or a status (recorded). */
function commitRef(ws: WorkspaceSeed, repo: RepositorySeed, hash: string, base: string): Record<string, unknown> {
  return {
    hash,
    type: 'commit',
    links: {
      self: { href: `${base}/2.0/repositories/${ws.slug}/${repo.slug}/commit/${hash}` },
      html: { href: `https://bitbucket.org/${ws.slug}/${repo.slug}/commits/${hash}` },
    },
  };
}

export function account(users: Map<string, User>, accountId: string, base: string, with2fa = false): Record<string, unknown> {
  const user = users.get(accountId);
  const uuid =
    user?.uuid ??
    `{00000000-0000-4000-8000-${accountId
      .replace(/[^0-9a-f]/gi, '')
      .padStart(12, '0')
      .slice(-12)}}`;
  const out: Record<string, unknown> = {
    type: user?.type ?? 'user',
    uuid,
    account_id: accountId,
    display_name: user?.displayName ?? 'Former user',
    nickname: user?.nickname ?? user?.displayName ?? accountId,
    links: {
      self: { href: `${base}/2.0/users/${encodeURIComponent(uuid)}` },
      html: { href: `https://bitbucket.org/${encodeURIComponent(uuid)}/` },
      avatar: { href: `${base}/avatar/${accountId}` },
    },
  };
  if (with2fa && user && user.has2fa !== null) out.has_2fa_enabled = user.has2fa;
  return out;
}

export function workspace(ws: WorkspaceSeed, base: string): Record<string, unknown> {
  return {
    type: 'workspace',
    uuid: ws.uuid,
    slug: ws.slug,
    name: ws.name,
    is_private: true,
    links: { self: { href: `${base}/2.0/workspaces/${ws.slug}` }, html: { href: `https://bitbucket.org/${ws.slug}/` } },
  };
}

export function project(ws: WorkspaceSeed, key: string): Record<string, unknown> {
  const found = ws.projects.find((p) => p.key === key);
  return {
    type: 'project',
    key,
    uuid: found?.uuid ?? '{00000000-0000-4000-8000-000000000000}',
    name: found?.name ?? key,
    is_private: found?.isPrivate ?? true,
    links: { html: { href: `https://bitbucket.org/${ws.slug}/workspace/projects/${key}` } },
  };
}

function workspaceLinks(ws: WorkspaceSeed, base: string): Record<string, unknown> {
  return {
    avatar: { href: `https://bitbucket.org/workspaces/${ws.slug}/avatar/` },
    html: { href: `https://bitbucket.org/${ws.slug}/` },
    self: { href: `${base}/2.0/workspaces/${ws.slug}` },
  };
}

/** A project as a repository names it: no `is_private` there (recorded). */
function projectRef(ws: WorkspaceSeed, key: string, base: string): Record<string, unknown> {
  const { is_private: _omitted, ...ref } = project(ws, key);
  return {
    ...ref,
    links: {
      self: { href: `${base}/2.0/workspaces/${ws.slug}/projects/${key}` },
      html: { href: `https://bitbucket.org/${ws.slug}/workspace/projects/${key}` },
      avatar: { href: `https://bitbucket.org/${ws.slug}/workspace/projects/${key}/avatar/32` },
    },
  };
}

export function repository(ws: WorkspaceSeed, repo: RepositorySeed, base: string): Record<string, unknown> {
  return {
    type: 'repository',
    uuid: repo.uuid,
    slug: repo.slug,
    name: repo.name,
    full_name: `${ws.slug}/${repo.slug}`,
    description: repo.description,
    is_private: repo.isPrivate,
    fork_policy: repo.forkPolicy,
    language: repo.language,
    scm: 'git',
    has_issues: false,
    has_wiki: false,
    size: 1024,
    website: '',
    created_on: bbTime(repo.createdOn),
    updated_on: bbTime(repo.updatedOn),
    mainbranch: repo.mainBranch === null ? null : { type: 'branch', name: repo.mainBranch },
    // A workspace's repositories are owned by the workspace, a `team` (the recording is a personal one).
    owner: { type: 'team', uuid: ws.uuid, display_name: ws.name, username: ws.slug, links: workspaceLinks(ws, base) },
    workspace: { type: 'workspace', uuid: ws.uuid, slug: ws.slug, name: ws.name, links: workspaceLinks(ws, base) },
    project: projectRef(ws, repo.projectKey, base),
    override_settings: { default_merge_strategy: false, branching_model: false },
    parent: null,
    enforced_signed_commits: null,
    links: repositoryLinks(ws, repo, base),
  };
}

/** The repository's `links`, with the relations the recorded response has. */
function repositoryLinks(ws: WorkspaceSeed, repo: RepositorySeed, base: string): Record<string, unknown> {
  const api = `${base}/2.0/repositories/${ws.slug}/${repo.slug}`;
  const related = ['watchers', 'branches', 'tags', 'commits', 'source', 'hooks', 'forks', 'downloads', 'pullrequests'] as const;
  const paths: Record<(typeof related)[number], string> = {
    watchers: 'watchers',
    branches: 'refs/branches',
    tags: 'refs/tags',
    commits: 'commits',
    source: 'src',
    hooks: 'hooks',
    forks: 'forks',
    downloads: 'downloads',
    pullrequests: 'pullrequests',
  };
  return {
    self: { href: api },
    html: { href: `https://bitbucket.org/${ws.slug}/${repo.slug}` },
    avatar: { href: `https://bytebucket.org/ravatar/${encodeURIComponent(repo.uuid)}?ts=default` },
    clone: [
      { href: `https://bitbucket.org/${ws.slug}/${repo.slug}.git`, name: 'https' },
      { href: `git@bitbucket.org:${ws.slug}/${repo.slug}.git`, name: 'ssh' },
    ],
    ...Object.fromEntries(related.map((name) => [name, { href: `${api}/${paths[name]}` }])),
  };
}

export function branchRestriction(
  where: { ws: WorkspaceSeed; repo: RepositorySeed },
  restriction: BranchRestrictionSeed,
  users: Map<string, User>,
  base: string,
): Record<string, unknown> {
  const { ws, repo } = where;
  const out: Record<string, unknown> = {
    type: 'branchrestriction',
    id: restriction.id,
    kind: restriction.kind,
    branch_match_kind: restriction.branch_match_kind,
    pattern: restriction.branch_match_kind === 'glob' ? restriction.pattern : '',
    users: restriction.users.map((id) => account(users, id, base)),
    groups: restriction.groups.map((slug) => ({ type: 'group', slug, name: slug, full_slug: `${ws.slug}:${slug}`, links: {} })),
    links: { self: { href: `${base}/2.0/repositories/${ws.slug}/${repo.slug}/branch-restrictions/${restriction.id}` } },
  };
  // Kinds without a value omit it (the document types `value` as an integer, never null).
  if (restriction.value !== null) out.value = restriction.value;
  if (restriction.branch_match_kind === 'branching_model') out.branch_type = restriction.branch_type;
  return out;
}

/** A 40-hex-digit commit hash derived from a text, for heads the seed does not name. */
export function hashOf(text: string): string {
  return crypto.createHash('sha1').update(text).digest('hex');
}

export function mainHead(repo: RepositorySeed): string {
  return repo.mainHead ?? hashOf(`${repo.uuid}:${repo.mainBranch ?? ''}`);
}

/** A branch as `…/refs/branches` lists it (the recorded branches-page.json, trimmed of nothing the app reads). */
export function branch(
  ws: WorkspaceSeed,
  repo: RepositorySeed,
  ref: { name: string; head: string; updatedOn: string },
  base: string,
): Record<string, unknown> {
  const { name, head } = ref;
  const date = ref.updatedOn;
  const api = `${base}/2.0/repositories/${ws.slug}/${repo.slug}`;
  return {
    name,
    links: {
      commits: { href: `${api}/commits/${name}` },
      self: { href: `${api}/refs/branches/${name}` },
      html: { href: `https://bitbucket.org/${ws.slug}/${repo.slug}/branch/${name}` },
    },
    default_merge_strategy: 'merge_commit',
    merge_strategies: ['merge_commit', 'squash', 'fast_forward'],
    type: 'branch',
    target: {
      ...commitRef(ws, repo, head, base),
      links: {
        ...(commitRef(ws, repo, head, base).links as Record<string, unknown>),
        ...Object.fromEntries(
          ['comments', 'patch', 'diff', 'approve', 'statuses'].map((name) => [
            name,
            {
              href: `${base}/2.0/repositories/${ws.slug}/${repo.slug}/${name === 'patch' || name === 'diff' ? `${name}/${head}` : `commit/${head}/${name}`}`,
            },
          ]),
        ),
      },
      repository: repositoryRef(ws, repo, base),
      author: { raw: 'Attest Emulator <emulator@example.com>', type: 'author' },
      parents: [],
      // Commit dates come without a fraction (recorded: "2018-09-21T14:09:51+00:00").
      date: bbTime(date).replace(/\.\d+/, ''),
      message: `Head of ${name}`,
    },
  };
}

/** The effective branching model (`…/effective-branching-model`). */
export function branchingModel(repo: RepositorySeed, effective: boolean): Record<string, unknown> {
  const model = repo.branchingModel;
  const main = repo.mainBranch;
  const branch = (name: string | null, useMainbranch: boolean) => {
    const resolved = useMainbranch ? main : name;
    return resolved ? { type: 'branch', name: resolved } : undefined;
  };
  const out: Record<string, unknown> = {
    type: effective ? 'effective_repo_branching_model' : 'branching_model',
    branch_types: model.branchTypes.filter((type) => type.enabled).map((type) => ({ kind: type.kind, prefix: type.prefix })),
    development: {
      use_mainbranch: model.development.useMainbranch,
      name: model.development.useMainbranch ? main : model.development.name,
      branch: branch(model.development.name, model.development.useMainbranch),
    },
  };
  if (model.production.enabled) {
    out.production = {
      use_mainbranch: model.production.useMainbranch,
      name: model.production.useMainbranch ? main : model.production.name,
      branch: branch(model.production.name, model.production.useMainbranch),
    };
  }
  return out;
}

export function pipeline(ws: WorkspaceSeed, repo: RepositorySeed, p: PipelineSeed): Record<string, unknown> {
  const state =
    p.state === 'COMPLETED'
      ? {
          type: 'pipeline_state_completed',
          name: 'COMPLETED',
          result: { type: `pipeline_state_completed_${(p.result ?? 'SUCCESSFUL').toLowerCase()}`, name: p.result ?? 'SUCCESSFUL' },
        }
      : p.state === 'IN_PROGRESS'
        ? {
            type: 'pipeline_state_in_progress',
            name: 'IN_PROGRESS',
            stage: { type: 'pipeline_state_in_progress_running', name: 'RUNNING' },
          }
        : { type: 'pipeline_state_pending', name: 'PENDING' };
  return {
    type: 'pipeline',
    uuid: p.uuid,
    build_number: p.buildNumber,
    created_on: bbTime(p.createdOn),
    completed_on: bbTime(p.completedOn) ?? undefined,
    state,
    target: {
      type: 'pipeline_ref_target',
      ref_type: 'branch',
      ref_name: p.branch,
      commit: { type: 'commit', hash: p.commit },
      selector: { type: 'default' },
    },
    trigger: { type: p.trigger === 'PUSH' ? 'pipeline_trigger_push' : 'pipeline_trigger_manual', name: p.trigger },
    repository: { type: 'repository', uuid: repo.uuid, full_name: `${ws.slug}/${repo.slug}`, name: repo.name, links: {} },
  };
}

/** `withParticipants`: the single representation (or a list asked for `+values.participants`). */
export function pullRequest(
  ws: WorkspaceSeed,
  repo: RepositorySeed,
  pr: PullRequestSeed,
  how: { users: Map<string, User>; base: string; withParticipants: boolean },
): Record<string, unknown> {
  const { users, base } = how;
  const single = how.withParticipants;
  const repoRef = repositoryRef(ws, repo, base);
  const api = `${base}/2.0/repositories/${ws.slug}/${repo.slug}/pullrequests/${pr.id}`;
  const out: Record<string, unknown> = {
    type: 'pullrequest',
    id: pr.id,
    title: pr.title,
    description: pr.description,
    summary: { raw: pr.description, markup: 'markdown', html: '', type: 'rendered' },
    state: pr.state,
    author: account(users, pr.authorId, base),
    source: {
      branch: { name: pr.sourceBranch, links: {} },
      commit: commitRef(ws, repo, pr.sourceCommit.slice(0, 12), base),
      repository: repoRef,
    },
    destination: {
      branch: pr.destinationBranch === null ? null : { name: pr.destinationBranch, links: {} },
      commit: commitRef(ws, repo, pr.destinationCommit.slice(0, 12), base),
      repository: repoRef,
    },
    // merge_commit.hash is abbreviated on the live API (docs/platform-facts.md §9).
    // The document's `merge_commit` is `{hash}`; no recording shows a non-null one.
    merge_commit: pr.mergeCommit ? { hash: pr.mergeCommit.slice(0, 12) } : null,
    draft: false,
    comment_count: 0,
    task_count: 0,
    close_source_branch: true,
    closed_by: pr.closedById ? account(users, pr.closedById, base) : null,
    reason: '',
    created_on: bbTime(pr.createdOn),
    updated_on: bbTime(pr.updatedOn),
    links: {
      self: { href: api },
      html: { href: `https://bitbucket.org/${ws.slug}/${repo.slug}/pull-requests/${pr.id}` },
      ...Object.fromEntries(
        ['activity', 'approve', 'comments', 'commits', 'decline', 'diff', 'diffstat', 'merge', 'request-changes', 'statuses'].map(
          (name) => [name, { href: `${api}/${name}` }],
        ),
      ),
    },
  };
  // `participants` and `reviewers` are only in the single pull-request representation (docs/platform-facts.md §9).
  if (single) {
    out.participants = pr.participants.map((p) => ({
      type: 'participant',
      user: account(users, p.accountId, base),
      role: p.role,
      approved: p.approved,
      state: p.state,
      participated_on: bbTime(p.participatedOn),
    }));
    out.reviewers = pr.reviewers.map((id) => account(users, id, base));
  }
  return out;
}

/**
 * GET …/commit/{commit}: the `commit` schema of the OpenAPI document (its example: the full 40-digit `hash`,
 * `date`, `message`, `author {raw, type, user?}`, `parents`, `repository`, `links`). The emulator keeps no
 * commit graph: `parents` is empty and the message names what the commit is in the model.
 */
export function commit(
  ws: WorkspaceSeed,
  repo: RepositorySeed,
  known: { hash: string; date: string; message: string; authorId: string | null },
  context: { users: Map<string, User>; base: string },
): Record<string, unknown> {
  const user = known.authorId ? context.users.get(known.authorId) : undefined;
  return {
    ...commitRef(ws, repo, known.hash, context.base),
    date: bbTime(known.date),
    message: known.message,
    summary: { raw: known.message, markup: 'markdown', html: `<p>${known.message}</p>`, type: 'rendered' },
    author: {
      type: 'author',
      raw: user ? `${user.displayName} <noreply@example.com>` : 'Unknown <noreply@example.com>',
      ...(user && known.authorId ? { user: account(context.users, known.authorId, context.base) } : {}),
    },
    parents: [],
    repository: repositoryRef(ws, repo, context.base),
  };
}

export function commitStatus(ws: WorkspaceSeed, repo: RepositorySeed, status: StatusSeed, base: string): Record<string, unknown> {
  return {
    type: 'build',
    key: status.key,
    name: status.name || status.key,
    refname: status.refname,
    url: status.url,
    state: status.state,
    description: '',
    created_on: bbTime(status.createdOn),
    updated_on: bbTime(status.updatedOn),
    commit: commitRef(ws, repo, status.commit, base),
    repository: repositoryRef(ws, repo, base),
    links: {
      self: {
        href: `${base}/2.0/repositories/${ws.slug}/${repo.slug}/commit/${status.commit}/statuses/build/${encodeURIComponent(status.key)}`,
      },
      commit: { href: `${base}/2.0/repositories/${ws.slug}/${repo.slug}/commit/${status.commit}` },
    },
  };
}

export function errorBody(message: string, detail?: string): Record<string, unknown> {
  return { type: 'error', error: detail ? { message, detail } : { message } };
}
