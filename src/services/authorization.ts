/**
 * Who may do what, decided by Bitbucket as the calling user (`asUser`), never by anything the client
 * sends. One request each. A 403 means no; an error that is not an answer (5xx, network) is an error,
 * which the resolver reports as such rather than guessing.
 */
import api, { route } from '@forge/api';
import { z } from 'zod';
import { createBitbucketClient } from '../bitbucket/client';
import { BitbucketError } from '../bitbucket/errors';
import { wrapUuid } from '../lib/uuid';

function userClient(accountId: string) {
  return createBitbucketClient({ request: api.asUser(accountId), maxAttempts: 2, backoffBaseMs: 200 });
}

async function allowed(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return true;
  } catch (error) {
    if (error instanceof BitbucketError && (error.kind === 'forbidden' || error.kind === 'not-found' || error.kind === 'unauthorized')) return false;
    throw error;
  }
}

const Permissions = z.object({ values: z.array(z.object({ permission: z.string(), user: z.object({ account_id: z.string().optional() }).partial() })) });

/** A workspace administrator (`owner`), as Bitbucket tells the user about themself. */
export async function isWorkspaceAdmin(accountId: string, workspaceUuid: string): Promise<boolean> {
  const workspace = wrapUuid(workspaceUuid);
  const q = `user.account_id="${accountId.replace(/"/g, '')}"`;
  const client = userClient(accountId);
  let answer: z.infer<typeof Permissions> | null = null;
  const ok = await allowed(async () => {
    answer = await client.getJson((bitbucket) => bitbucket.requestBitbucket(route`/2.0/workspaces/${workspace}/permissions?q=${q}`), Permissions);
  });
  const entries = (answer as z.infer<typeof Permissions> | null)?.values ?? [];
  return ok && entries.some((entry) => entry.user.account_id === accountId && entry.permission === 'owner');
}

/** The user can read the repository. */
export async function canReadRepository(accountId: string, workspaceUuid: string, repositoryUuid: string): Promise<boolean> {
  const [workspace, repository] = [wrapUuid(workspaceUuid), wrapUuid(repositoryUuid)];
  const client = userClient(accountId);
  return allowed(() => client.getJson((bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}?fields=uuid`), z.object({ uuid: z.string() })));
}

/** The user administers the repository: Bitbucket shows branch restrictions only to its admins. */
export async function isRepositoryAdmin(accountId: string, workspaceUuid: string, repositoryUuid: string): Promise<boolean> {
  const [workspace, repository] = [wrapUuid(workspaceUuid), wrapUuid(repositoryUuid)];
  const client = userClient(accountId);
  return allowed(() => client.getJson((bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/branch-restrictions?pagelen=1`), z.object({ values: z.array(z.unknown()) })));
}
