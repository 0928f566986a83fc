/**
 * The access snapshot an access review is based on: every person and what they can reach and how, every group
 * grant and every deploy key, read once and kept. Items:
 * - `member`: a workspace membership, its role (owner, collaborator, member), two-step verification, and how many
 *   repositories the person reaches at each permission (the effective listing: however it is granted);
 * - `user-grant` / `group-grant`: a direct grant of a project or repository to a person or a group;
 * - `deploy-key`: a project's or repository's SSH key (a machine's read access), its label, age and last use.
 * An item's id is derived from what it is (kind, target, subject), so the same access has the same id in the next
 * snapshot: "unchanged since the last review" compares ids and permissions.
 *
 * Cost: the workspace's roles, members and projects (a request per 100 each), members' reach (effective permissions,
 * a request per 100 person-repository pairs, at most REACH_PAGES), the repository list (per 100), then 3 per project
 * and 3 per repository (user grants, group grants, deploy keys): about 300 per 100 repositories.
 */
import { z } from 'zod';
import { listMembers, listRepositories } from '../bitbucket/api';
import {
  listProjects,
  listRepositoryPermissions,
  listWorkspaceRoles,
  projectAccess,
  repositoryAccess,
  type DeployKey,
  type GroupGrant,
  type UserGrant,
} from '../bitbucket/access-api';
import type { BitbucketClient } from '../bitbucket/client';
import { BitbucketError } from '../bitbucket/errors';
import type { Repository } from '../bitbucket/schemas';
import { sha256Hex } from '../lib/canonical';
import { toInstant } from '../lib/instant';

export const AccessTarget = z.object({
  scope: z.enum(['workspace', 'project', 'repository']),
  /** The project key, the repository's full name, or the workspace. */
  name: z.string(),
  uuid: z.string().nullable(),
  /** The project the target belongs to (a repository's project, a project itself); null for the workspace. */
  project: z.string().nullable(),
});
export type AccessTarget = z.infer<typeof AccessTarget>;

export const AccessItem = z.object({
  id: z.string().regex(/^[0-9a-f]{20}$/),
  kind: z.enum(['member', 'user-grant', 'group-grant', 'deploy-key']),
  subject: z.object({
    accountId: z.string().nullable(),
    group: z.string().nullable(),
    keyId: z.number().int().nullable(),
    /** A person's or group's name, or a key's label. */
    name: z.string(),
  }),
  target: AccessTarget,
  permission: z.string(),
  has2fa: z.boolean().nullable().default(null),
  /** A member's effective reach: repositories by permission. */
  reach: z.object({ read: z.number(), write: z.number(), admin: z.number() }).nullable().default(null),
  addedOn: z.string().nullable().default(null),
  lastUsed: z.string().nullable().default(null),
  addedBy: z.string().nullable().default(null),
});
export type AccessItem = z.infer<typeof AccessItem>;

export const SnapshotGap = z.object({ what: z.string(), reason: z.string() });
export type SnapshotGap = z.infer<typeof SnapshotGap>;

export const AccessSnapshot = z.object({
  workspaceUuid: z.string(),
  takenAt: z.string(),
  /** The projects the snapshot covers; null: the whole workspace. */
  projects: z.array(z.string()).nullable(),
  items: z.array(AccessItem),
  gaps: z.array(SnapshotGap),
  repositories: z.number().int(),
  requests: z.number().int(),
});
export type AccessSnapshot = z.infer<typeof AccessSnapshot>;

type Draft = Omit<AccessItem, 'id' | 'has2fa' | 'reach' | 'addedOn' | 'lastUsed' | 'addedBy'> & Partial<AccessItem>;

function item(draft: Draft): AccessItem {
  const identity = [
    draft.kind,
    draft.target.scope,
    draft.target.uuid ?? draft.target.name,
    draft.subject.accountId,
    draft.subject.group,
    draft.subject.keyId,
  ];
  return AccessItem.parse({ ...draft, id: sha256Hex(JSON.stringify(identity)).slice(0, 20) });
}

const nameOf = (account: { display_name?: string | undefined; account_id?: string | undefined }) =>
  account.display_name ?? account.account_id ?? 'unknown';

/** The items of one project's or repository's direct grants and deploy keys. */
export function grantItems(target: AccessTarget, read: { users: UserGrant[]; groups: GroupGrant[]; keys: DeployKey[] }): AccessItem[] {
  const users = read.users.map((grant) =>
    item({
      kind: 'user-grant',
      subject: { accountId: grant.user.account_id ?? null, group: null, keyId: null, name: nameOf(grant.user) },
      target,
      permission: grant.permission,
    }),
  );
  const groups = read.groups.map((grant) =>
    item({
      kind: 'group-grant',
      subject: {
        accountId: null,
        group: grant.group.slug ?? grant.group.full_slug ?? null,
        keyId: null,
        name: grant.group.name ?? grant.group.slug ?? 'a group',
      },
      target,
      permission: grant.permission,
    }),
  );
  const keys = read.keys.map((key) =>
    item({
      kind: 'deploy-key',
      subject: { accountId: null, group: null, keyId: key.id, name: key.label || key.comment || `key ${key.id}` },
      target,
      // Project and repository access keys grant read-only access (https://confluence.atlassian.com/bitbucket/use-access-keys-294486051.html).
      permission: 'read',
      addedOn: toInstant(key.added_on),
      lastUsed: toInstant(key.last_used),
      addedBy: (key.owner ?? key.created_by)?.account_id ?? null,
    }),
  );
  return [...users, ...groups, ...keys];
}

type Reach = NonNullable<AccessItem['reach']>;

/** Workspace memberships with their role, two-step verification and effective reach. */
export function memberItems(
  workspace: { uuid: string; name: string },
  read: {
    roles: Array<{ permission: string; user: { account_id?: string; display_name?: string } }>;
    has2fa: Map<string, boolean | null>;
    /** null: not known (the listing was too long to read). */
    reach: Map<string, Reach> | null;
  },
): AccessItem[] {
  const target: AccessTarget = { scope: 'workspace', name: workspace.name, uuid: workspace.uuid, project: null };
  return read.roles.map((role) => {
    const accountId = role.user.account_id ?? null;
    return item({
      kind: 'member',
      subject: { accountId, group: null, keyId: null, name: nameOf(role.user) },
      target,
      permission: role.permission,
      has2fa: accountId === null ? null : (read.has2fa.get(accountId) ?? null),
      reach: accountId === null || read.reach === null ? null : (read.reach.get(accountId) ?? { read: 0, write: 0, admin: 0 }),
    });
  });
}

export interface SnapshotScope {
  workspaceUuid: string;
  /** Project keys to cover; null: the whole workspace. */
  projects: readonly string[] | null;
  now: Date;
}

/** A read that may fail: its value, or a gap naming what could not be read and why (never an empty answer). */
async function gapOr<T>(gaps: SnapshotGap[], what: string, read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof BitbucketError)) throw error;
    gaps.push({ what, reason: `${error.status ?? error.kind}: ${error.message}` });
    return null;
  }
}

function cutShort(gaps: SnapshotGap[], what: string, listing: { truncated: boolean }): void {
  if (listing.truncated) gaps.push({ what, reason: 'the list was cut short: more than Attest reads' });
}

/** The workspace part: roles, two-step verification, effective reach, and the projects in scope with their grants. */
export async function workspacePart(client: BitbucketClient, scope: SnapshotScope): Promise<{ items: AccessItem[]; gaps: SnapshotGap[] }> {
  const gaps: SnapshotGap[] = [];
  const { workspaceUuid } = scope;
  const roles = await gapOr(gaps, 'workspace roles', () => listWorkspaceRoles(client, workspaceUuid));
  const members = await gapOr(gaps, 'workspace members', () => listMembers(client, workspaceUuid));
  const permissions = await gapOr(gaps, 'repository permissions', () => listRepositoryPermissions(client, workspaceUuid));
  for (const [what, listing] of [
    ['workspace roles', roles],
    ['workspace members', members],
  ] as const)
    if (listing) cutShort(gaps, what, listing);
  // Reach is context for the reviewer, not an access of its own: past REACH_PAGES it is shown as unknown, not counted short.
  const reachKnown = permissions !== null && !permissions.truncated;
  const has2fa = new Map((members?.values ?? []).map((m) => [m.user.account_id ?? '', m.user.has_2fa_enabled ?? null]));
  const reach = new Map<string, Reach>();
  for (const entry of permissions?.values ?? []) {
    const id = entry.user.account_id;
    if (!id || !['read', 'write', 'admin'].includes(entry.permission)) continue;
    const counts = reach.get(id) ?? { read: 0, write: 0, admin: 0 };
    counts[entry.permission as keyof Reach]++;
    reach.set(id, counts);
  }
  const items = memberItems(
    { uuid: workspaceUuid, name: 'workspace' },
    { roles: roles?.values ?? [], has2fa, reach: reachKnown ? reach : null },
  );
  const projects = await gapOr(gaps, 'projects', () => listProjects(client, workspaceUuid));
  for (const project of projects?.values ?? []) {
    if (scope.projects !== null && !scope.projects.includes(project.key)) continue;
    const read = await gapOr(gaps, `project ${project.key}`, () => projectAccess(client, { workspaceUuid, projectKey: project.key }));
    if (!read) continue;
    const target: AccessTarget = { scope: 'project', name: project.name ?? project.key, uuid: project.uuid ?? null, project: project.key };
    for (const [what, listing] of Object.entries(read)) cutShort(gaps, `project ${project.key} ${what}`, listing);
    items.push(...grantItems(target, { users: read.users.values, groups: read.groups.values, keys: read.keys.values }));
  }
  return { items, gaps };
}

/** One repository's part: its direct grants and deploy keys. */
export async function repositoryPart(
  client: BitbucketClient,
  target: { workspaceUuid: string; repository: Repository },
): Promise<{ items: AccessItem[]; gaps: SnapshotGap[] }> {
  const gaps: SnapshotGap[] = [];
  const { repository } = target;
  const read = await gapOr(gaps, repository.full_name, () =>
    repositoryAccess(client, { workspaceUuid: target.workspaceUuid, repositoryUuid: repository.uuid }),
  );
  if (!read) return { items: [], gaps };
  for (const [what, listing] of Object.entries(read)) cutShort(gaps, `${repository.full_name} ${what}`, listing);
  const where: AccessTarget = {
    scope: 'repository',
    name: repository.full_name,
    uuid: repository.uuid,
    project: repository.project?.key ?? null,
  };
  return { items: grantItems(where, { users: read.users.values, groups: read.groups.values, keys: read.keys.values }), gaps };
}

/** The repositories a snapshot covers: those of the projects in scope (all, for the whole workspace). */
export function inScope(repositories: readonly Repository[], projects: readonly string[] | null): Repository[] {
  return repositories.filter((repository) => projects === null || projects.includes(repository.project?.key ?? ''));
}

/** The whole snapshot in one go (the CLI; on Forge a snapshot job reads it over several deliveries). */
export async function takeSnapshot(client: BitbucketClient, scope: SnapshotScope): Promise<AccessSnapshot> {
  const workspace = await workspacePart(client, scope);
  const items = [...workspace.items];
  const gaps = [...workspace.gaps];
  const listing = await gapOr(gaps, 'repositories', () => listRepositories(client, scope.workspaceUuid));
  if (listing) cutShort(gaps, 'repositories', listing);
  const repositories = inScope(listing?.values ?? [], scope.projects);
  for (const repository of repositories) {
    const part = await repositoryPart(client, { workspaceUuid: scope.workspaceUuid, repository });
    items.push(...part.items);
    gaps.push(...part.gaps);
  }
  return {
    workspaceUuid: scope.workspaceUuid,
    takenAt: scope.now.toISOString(),
    projects: scope.projects === null ? null : [...scope.projects],
    items,
    gaps,
    repositories: repositories.length,
    requests: client.budget.used,
  };
}
