/**
 * Who may read or administer a repository, as Bitbucket Cloud grants it:
 *
 * - a public repository is readable by everyone ("All public repositories grant all Bitbucket Cloud users
 *   read permissions automatically", https://confluence.atlassian.com/bitbucket/grant-users-and-groups-access-243335345.html);
 * - a private one only through a grant: to the person or a group they are in on the repository
 *   (https://support.atlassian.com/bitbucket-cloud/docs/grant-repository-access-to-users-and-groups/), or on
 *   its project, which every repository in the project inherits; project levels are Admin ⊃ Create ⊃ Write ⊃
 *   Read, Create including write (https://support.atlassian.com/bitbucket-cloud/docs/configure-project-permissions-for-users-and-groups/);
 * - workspace administrators (owners) administer every repository ("the current workspace admins will
 *   assume the role of project admin", same page).
 *
 * Being a workspace member grants nothing by itself. The strongest grant wins.
 */
import type { RepositorySeed, WorkspaceSeed } from './model';

export type Access = 'none' | 'read' | 'write' | 'admin';

const RANK: Record<Access, number> = { none: 0, read: 1, write: 2, admin: 3 };

function level(permission: string): Access {
  if (permission === 'admin') return 'admin';
  if (permission === 'write' || permission === 'create-repo') return 'write';
  return permission === 'read' ? 'read' : 'none';
}

function strongest(levels: Access[]): Access {
  return levels.reduce<Access>((best, next) => (RANK[next] > RANK[best] ? next : best), 'none');
}

export function groupsOf(ws: WorkspaceSeed, accountId: string): Set<string> {
  return new Set(ws.groups.filter((group) => group.members.includes(accountId)).map((group) => group.slug));
}

export function isWorkspaceOwner(ws: WorkspaceSeed, accountId: string): boolean {
  return ws.members.some((member) => member.accountId === accountId && member.permission === 'owner');
}

/** What a person may do on a repository; `publicRead: false` counts only grants. */
export function repositoryAccess(
  ws: WorkspaceSeed,
  repo: RepositorySeed,
  accountId: string,
  options: { publicRead?: boolean } = {},
): Access {
  if (isWorkspaceOwner(ws, accountId)) return 'admin';
  const groups = groupsOf(ws, accountId);
  const project = ws.projects.find((candidate) => candidate.key === repo.projectKey);
  return strongest([
    repo.isPrivate || options.publicRead === false ? 'none' : 'read',
    ...repo.permissions.filter((grant) => grant.accountId === accountId).map((grant) => level(grant.permission)),
    ...repo.groupPermissions.filter((grant) => groups.has(grant.group)).map((grant) => level(grant.permission)),
    ...(project?.userPermissions ?? []).filter((grant) => grant.accountId === accountId).map((grant) => level(grant.permission)),
    ...(project?.groupPermissions ?? []).filter((grant) => groups.has(grant.group)).map((grant) => level(grant.permission)),
  ]);
}
