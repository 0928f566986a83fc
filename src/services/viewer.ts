/**
 * What the person calling a resolver may see, decided by Bitbucket as that person (`asUser()`), never by
 * anything the client sends: whether they are a member of the workspace (their own membership answers),
 * whether they administer it (owners, listed with the documented filter), and which repositories they can
 * read (one listing as them: private repositories they were granted, and public ones). The listing costs one
 * request per 100 repositories; it is kept for a few minutes per person in KVS, with a TTL.
 */
import api, { route } from '@forge/api';
import { kvs } from '@forge/kvs';
import { z } from 'zod';
import { createBitbucketClient } from '../bitbucket/client';
import { BitbucketError } from '../bitbucket/errors';
import { paginate } from '../bitbucket/paginate';
import { unwrapUuid, wrapUuid } from '../lib/uuid';
import { keys } from '../store/keys';
import { isWorkspaceAdmin } from './authorization';

export interface Viewer {
  accountId: string;
  member: boolean;
  admin: boolean;
  /** Unwrapped UUIDs of the repositories the person can read. */
  readable: ReadonlySet<string>;
}

/** How long a person's answers are kept: a grant removed in Bitbucket shows here within this time. */
export const VIEWER_TTL_MINUTES = 5;
/** UUIDs a stored chunk holds: 4,000 × 39 bytes stays well under the 240 KiB a KVS value may hold. */
const CHUNK = 4000;
/** 100 pages of 100: a workspace of up to 10,000 repositories. A longer listing is an error, not a partial answer. */
const MAX_PAGES = 100;

const Cached = z.object({
  member: z.boolean(),
  admin: z.boolean(),
  chunks: z.number().int().nonnegative(),
  count: z.number().int().nonnegative(),
});
const Chunk = z.array(z.string());

function userClient() {
  return createBitbucketClient({ request: api.asUser(), maxAttempts: 2, backoffBaseMs: 200 });
}

/** The person's own membership of the workspace: 200 for a member, refused otherwise. */
async function isMember(accountId: string, workspaceUuid: string): Promise<boolean> {
  const workspace = wrapUuid(workspaceUuid);
  try {
    await userClient().getJson(
      (bitbucket) => bitbucket.requestBitbucket(route`/2.0/workspaces/${workspace}/members/${accountId}`),
      z.object({ user: z.object({}).passthrough() }),
    );
    return true;
  } catch (error) {
    if (error instanceof BitbucketError && ['forbidden', 'not-found', 'unauthorized'].includes(error.kind)) return false;
    throw error;
  }
}

/** Every repository of the workspace the person can read, listed as them. */
async function readableRepositories(workspaceUuid: string): Promise<string[]> {
  const workspace = wrapUuid(workspaceUuid);
  const listing = await paginate(
    userClient(),
    (bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}?pagelen=100&fields=${'values.uuid,next'}`),
    z.object({ uuid: z.string() }),
    { maxPages: MAX_PAGES },
  );
  if (listing.truncated)
    throw new BitbucketError('upstream', `/2.0/repositories/${workspace}`, null, 'the list of repositories you can read was cut short');
  return listing.values.map((repository) => unwrapUuid(repository.uuid));
}

async function fromCache(accountId: string): Promise<Viewer | null> {
  const parsed = Cached.safeParse(await kvs.get(keys.viewer(accountId)));
  if (!parsed.success) return null;
  const uuids: string[] = [];
  for (let i = 0; i < parsed.data.chunks; i++) {
    const chunk = Chunk.safeParse(await kvs.get(keys.viewerChunk(accountId, i)));
    if (!chunk.success) return null;
    uuids.push(...chunk.data);
  }
  if (uuids.length !== parsed.data.count) return null;
  return { accountId, member: parsed.data.member, admin: parsed.data.admin, readable: new Set(uuids) };
}

async function toCache(viewer: Viewer): Promise<void> {
  const ttl = { ttl: { value: VIEWER_TTL_MINUTES, unit: 'MINUTES' as const } };
  const uuids = [...viewer.readable];
  const chunks = Math.ceil(uuids.length / CHUNK);
  // Chunks first, the head last: a reader who finds the head finds every chunk it names.
  for (let i = 0; i < chunks; i++) await kvs.set(keys.viewerChunk(viewer.accountId, i), uuids.slice(i * CHUNK, (i + 1) * CHUNK), ttl);
  await kvs.set(keys.viewer(viewer.accountId), { member: viewer.member, admin: viewer.admin, chunks, count: uuids.length }, ttl);
}

/** The calling person's view of the workspace, from the cache when it is fresh. */
export async function viewerOf(accountId: string, workspaceUuid: string): Promise<Viewer> {
  const cached = await fromCache(accountId);
  if (cached) return cached;
  const member = await isMember(accountId, workspaceUuid);
  const [admin, readable] = member
    ? await Promise.all([isWorkspaceAdmin(accountId, workspaceUuid), readableRepositories(workspaceUuid)])
    : [false, [] as string[]];
  const viewer: Viewer = { accountId, member, admin, readable: new Set(readable) };
  await toCache(viewer);
  return viewer;
}
