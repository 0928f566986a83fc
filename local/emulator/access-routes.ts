/**
 * Who can reach the code, as the OpenAPI document describes it: a project's direct grants to users and groups
 * (GET /workspaces/{w}/projects/{p}/permissions-config/users|groups, `project_user_permission` and
 * `project_group_permission`), and deploy keys of repositories (GET …/deploy-keys, `deploy_key`, scope
 * admin:repository) and of projects (GET /workspaces/{w}/projects/{p}/deploy-keys, `project_deploy_key`, scope
 * admin:project). All are settings: read by administrators only, as the rest of the emulator's settings are.
 */
import { HttpError } from './http-error';
import type { DeployKeySeed, WorkspaceSeed } from './model';
import * as render from './render';
import type { RepositoryRequest, WorkspaceRequest } from './routes';

type Project = WorkspaceSeed['projects'][number];

function projectOf(r: WorkspaceRequest): Project {
  const wanted = r.params[0] ?? '';
  const project = r.ws.projects.find((candidate) => candidate.key === wanted || candidate.uuid === wanted);
  if (!project) throw new HttpError(404, `Project ${wanted} not found`);
  return project;
}

function deployKey(r: WorkspaceRequest, key: DeployKeySeed, owner: { field: 'owner' | 'created_by' }): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: owner.field === 'owner' ? 'deploy_key' : 'project_deploy_key',
    id: key.id,
    key: key.key,
    label: key.label,
    comment: key.comment ?? '',
    added_on: render.bbTime(key.addedOn),
  };
  // A key never used has no `last_used` (the document types it as a date-time, never null).
  if (key.lastUsed !== null) out.last_used = render.bbTime(key.lastUsed);
  if (key.addedBy !== null) out[owner.field] = render.account(r.users, key.addedBy, r.base);
  return out;
}

export const projectAccessRoutes: Array<[string, (r: WorkspaceRequest) => unknown]> = [
  [
    'projects/*/permissions-config/users',
    (r) => {
      r.host.requireAdmin(r.credential, 'project permissions', r.ws);
      const project = projectOf(r);
      const grants = project.userPermissions.map((grant) => ({
        type: 'project_user_permission',
        permission: grant.permission,
        user: render.account(r.users, grant.accountId, r.base),
        project: render.project(r.ws, project.key),
        links: {},
      }));
      return r.host.page(r.url, grants, { fields: r.fields });
    },
  ],
  [
    'projects/*/permissions-config/groups',
    (r) => {
      r.host.requireAdmin(r.credential, 'project permissions', r.ws);
      const project = projectOf(r);
      const grants = project.groupPermissions.map((grant) => {
        const group = r.ws.groups.find((candidate) => candidate.slug === grant.group);
        return {
          type: 'project_group_permission',
          permission: grant.permission,
          group: {
            type: 'group',
            slug: grant.group,
            name: group?.name ?? grant.group,
            full_slug: `${r.ws.slug}:${grant.group}`,
            links: {},
          },
          project: render.project(r.ws, project.key),
          links: {},
        };
      });
      return r.host.page(r.url, grants, { fields: r.fields });
    },
  ],
  [
    'projects/*/deploy-keys',
    (r) => {
      r.host.requireAdmin(r.credential, 'project deploy keys', r.ws);
      const project = projectOf(r);
      const keys = project.deployKeys.map((key) => ({
        ...deployKey(r, key, { field: 'created_by' }),
        project: render.project(r.ws, project.key),
      }));
      return r.host.page(r.url, keys, { fields: r.fields });
    },
  ],
];

export const repositoryAccessRoutes: Array<[string, (r: RepositoryRequest) => unknown]> = [
  [
    'deploy-keys',
    (r) => {
      r.host.requireAdmin(r.credential, 'deploy keys', r.ws, r.repo);
      return r.host.page(
        r.url,
        r.repo.deployKeys.map((key) => deployKey(r, key, { field: 'owner' })),
        { fields: r.fields },
      );
    },
  ],
];
