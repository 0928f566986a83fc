/**
 * Follow-through of access reviews (BB-AC-3): each revoke or change decision of a completed review stays open until
 * a read after the decision finds the access gone (a revoked grant, membership or key absent; a changed one at
 * another permission). Only the targets of open decisions are read, each once: the workspace's roles for members,
 * a project's or repository's grants and keys for the rest.
 */
import { listProjects, listWorkspaceRoles, projectAccess, repositoryAccess } from '../bitbucket/access-api';
import { BitbucketError } from '../bitbucket/errors';
import { grantItems, memberItems, type AccessItem } from './access-snapshot';
import type { AppContext } from './context';
import type { FollowItem } from '../store/access-review-records';

type Current = { items: AccessItem[] } | null;

/** What a target holds now, as items comparable with the snapshot's; null when it could not be read. */
async function readTarget(ctx: Omit<AppContext, 'policy'>, item: AccessItem): Promise<Current> {
  const { client, workspaceUuid } = ctx;
  try {
    if (item.target.scope === 'workspace') {
      const roles = await listWorkspaceRoles(client, workspaceUuid);
      return {
        items: memberItems({ uuid: workspaceUuid, name: item.target.name }, { roles: roles.values, has2fa: new Map(), reach: new Map() }),
      };
    }
    if (item.target.scope === 'project') {
      const projects = await listProjects(client, workspaceUuid);
      const key = projects.values.find((project) => (project.uuid ?? null) === item.target.uuid)?.key ?? item.target.project;
      if (!key) return { items: [] };
      const read = await projectAccess(client, { workspaceUuid, projectKey: key });
      return { items: grantItems(item.target, { users: read.users.values, groups: read.groups.values, keys: read.keys.values }) };
    }
    if (!item.target.uuid) return null;
    const read = await repositoryAccess(client, { workspaceUuid, repositoryUuid: item.target.uuid });
    return { items: grantItems(item.target, { users: read.users.values, groups: read.groups.values, keys: read.keys.values }) };
  } catch (error) {
    if (!(error instanceof BitbucketError)) throw error;
    // A repository or project that no longer exists has no access left in it.
    if (error.kind === 'not-found' && item.target.scope !== 'workspace') return { items: [] };
    return null;
  }
}

/** Whether the decision is carried out: a revoked item absent; a changed one at another permission. */
function carriedOut(follow: FollowItem, current: AccessItem[]): boolean {
  const now = current.find((candidate) => candidate.id === follow.item.id);
  if (!now) return true;
  return follow.decision === 'change' && now.permission !== follow.item.permission;
}

/** Reads the targets of the open decisions of the last completed reviews, and records what it found. */
export async function followThrough(ctx: Omit<AppContext, 'policy'>, reviews = 8): Promise<{ checked: number; gone: number }> {
  const { store, now } = ctx;
  const index = await store.getReviewIndex();
  const completed = index.reviews.filter((review) => review.state === 'completed').slice(-reviews);
  const cache = new Map<string, Current>();
  let checked = 0;
  let gone = 0;
  for (const entry of completed) {
    const follow = await store.getFollowThrough(entry.id);
    if (!follow || follow.items.every((item) => item.goneAt !== null)) continue;
    const items: FollowItem[] = [];
    for (const item of follow.items) {
      if (item.goneAt !== null) {
        items.push(item);
        continue;
      }
      const where = `${item.item.target.scope}:${item.item.target.uuid ?? item.item.target.name}`;
      if (!cache.has(where)) cache.set(where, await readTarget(ctx, item.item));
      const current = cache.get(where) ?? null;
      if (current === null) {
        items.push(item);
        continue;
      }
      checked++;
      const done = carriedOut(item, current.items);
      if (done) gone++;
      items.push({ ...item, checkedAt: now.toISOString(), goneAt: done ? now.toISOString() : null });
    }
    await store.putFollowThrough({ reviewId: follow.reviewId, items });
  }
  return { checked, gone };
}
