/**
 * Who can reach the code (access reviews): workspace roles, effective repository permissions, the direct grants of
 * projects and repositories to users and groups, and deploy keys. Scopes, from the OpenAPI document's
 * `x-atlassian-oauth2-scopes`: read:workspace (workspace permissions), read:repository (repository permissions and
 * grants), read:project (project grants), admin:repository (repository deploy keys), admin:project (project
 * deploy keys); `test/contract/openapi.test.ts` holds ACCESS_ENDPOINTS to the document.
 */
import { route } from '@forge/api';
import { z } from 'zod';
import type { BitbucketClient } from './client';
import { paginate, type Paginated } from './paginate';
import { Account, Group } from './schemas';
import { wrapUuid } from '../lib/uuid';
import type { RepositoryRef } from './api';

export const ACCESS_ENDPOINTS: ReadonlyArray<{ path: string; scope: string }> = [
  { path: '/workspaces/{workspace}/permissions', scope: 'read:workspace:bitbucket' },
  { path: '/workspaces/{workspace}/permissions/repositories', scope: 'read:repository:bitbucket' },
  { path: '/workspaces/{workspace}/projects', scope: 'read:project:bitbucket' },
  { path: '/workspaces/{workspace}/projects/{project_key}/permissions-config/users', scope: 'read:project:bitbucket' },
  { path: '/workspaces/{workspace}/projects/{project_key}/permissions-config/groups', scope: 'read:project:bitbucket' },
  { path: '/workspaces/{workspace}/projects/{project_key}/deploy-keys', scope: 'admin:project:bitbucket' },
  { path: '/repositories/{workspace}/{repo_slug}/permissions-config/users', scope: 'read:repository:bitbucket' },
  { path: '/repositories/{workspace}/{repo_slug}/permissions-config/groups', scope: 'read:repository:bitbucket' },
  { path: '/repositories/{workspace}/{repo_slug}/deploy-keys', scope: 'admin:repository:bitbucket' },
];

/** A workspace membership with its role (GET /workspaces/{w}/permissions). */
export const WorkspaceRole = z.object({ permission: z.string(), user: Account });
export type WorkspaceRole = z.infer<typeof WorkspaceRole>;

/** A person's effective permission on a repository, however granted (GET /workspaces/{w}/permissions/repositories). */
export const RepositoryPermission = z.object({
  permission: z.string(),
  user: Account,
  repository: z.object({ uuid: z.string(), full_name: z.string().optional(), name: z.string().optional() }),
});
export type RepositoryPermission = z.infer<typeof RepositoryPermission>;

export const ProjectRef = z.object({ key: z.string(), uuid: z.string().optional(), name: z.string().optional() });
export type ProjectRef = z.infer<typeof ProjectRef>;

/** A direct grant to a user or a group (permissions-config of a project or repository). */
export const UserGrant = z.object({ permission: z.string(), user: Account });
export const GroupGrant = z.object({ permission: z.string(), group: Group });
export type UserGrant = z.infer<typeof UserGrant>;
export type GroupGrant = z.infer<typeof GroupGrant>;

/** A deploy key: never the key itself, only what identifies it to a person (label, comment, dates, who added it). */
export const DeployKey = z.object({
  id: z.number().int(),
  label: z.string().optional(),
  comment: z.string().optional(),
  added_on: z.string().optional(),
  last_used: z.string().optional(),
  owner: Account.nullish(),
  created_by: Account.nullish(),
});
export type DeployKey = z.infer<typeof DeployKey>;

const LIMITS = { maxPages: 100 };

export function listWorkspaceRoles(client: BitbucketClient, workspaceUuid: string): Promise<Paginated<WorkspaceRole>> {
  const workspace = wrapUuid(workspaceUuid);
  return paginate(client, (b) => b.requestBitbucket(route`/2.0/workspaces/${workspace}/permissions?pagelen=100`), WorkspaceRole, LIMITS);
}

/**
 * Pages of effective repository permissions read at most: one entry per person and repository, so a large workspace
 * has far more than the snapshot's own reads (10,000 repositories and 200 people: 20,000 pages). Past this the
 * members' reach is left unknown rather than read for hours.
 */
export const REACH_PAGES = 20;

export function listRepositoryPermissions(client: BitbucketClient, workspaceUuid: string): Promise<Paginated<RepositoryPermission>> {
  const workspace = wrapUuid(workspaceUuid);
  return paginate(
    client,
    (b) =>
      b.requestBitbucket(
        route`/2.0/workspaces/${workspace}/permissions/repositories?pagelen=100&fields=${'values.permission,values.user,values.repository.uuid,values.repository.full_name,next'}`,
      ),
    RepositoryPermission,
    { maxPages: REACH_PAGES },
  );
}

export function listProjects(client: BitbucketClient, workspaceUuid: string): Promise<Paginated<ProjectRef>> {
  const workspace = wrapUuid(workspaceUuid);
  return paginate(client, (b) => b.requestBitbucket(route`/2.0/workspaces/${workspace}/projects?pagelen=100`), ProjectRef, LIMITS);
}

/** The direct grants of a project to users, then to groups, and its deploy keys. */
export async function projectAccess(
  client: BitbucketClient,
  target: { workspaceUuid: string; projectKey: string },
): Promise<{ users: Paginated<UserGrant>; groups: Paginated<GroupGrant>; keys: Paginated<DeployKey> }> {
  const [workspace, key] = [wrapUuid(target.workspaceUuid), target.projectKey];
  const users = await paginate(
    client,
    (b) => b.requestBitbucket(route`/2.0/workspaces/${workspace}/projects/${key}/permissions-config/users?pagelen=100`),
    UserGrant,
    LIMITS,
  );
  const groups = await paginate(
    client,
    (b) => b.requestBitbucket(route`/2.0/workspaces/${workspace}/projects/${key}/permissions-config/groups?pagelen=100`),
    GroupGrant,
    LIMITS,
  );
  const keys = await paginate(
    client,
    (b) => b.requestBitbucket(route`/2.0/workspaces/${workspace}/projects/${key}/deploy-keys?pagelen=100`),
    DeployKey,
    LIMITS,
  );
  return { users, groups, keys };
}

/** The direct grants of a repository to users, then to groups, and its deploy keys. */
export async function repositoryAccess(
  client: BitbucketClient,
  target: RepositoryRef,
): Promise<{ users: Paginated<UserGrant>; groups: Paginated<GroupGrant>; keys: Paginated<DeployKey> }> {
  const [workspace, repository] = [wrapUuid(target.workspaceUuid), wrapUuid(target.repositoryUuid)];
  const users = await paginate(
    client,
    (b) => b.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/permissions-config/users?pagelen=100`),
    UserGrant,
    LIMITS,
  );
  const groups = await paginate(
    client,
    (b) => b.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/permissions-config/groups?pagelen=100`),
    GroupGrant,
    LIMITS,
  );
  const keys = await paginate(
    client,
    (b) => b.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/deploy-keys?pagelen=100`),
    DeployKey,
    LIMITS,
  );
  return { users, groups, keys };
}
