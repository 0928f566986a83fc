/**
 * Who may do what, decided by Bitbucket as the calling user (`asUser`), never by anything the client
 * sends. One request each. A 403 means no; an error that is not an answer (5xx, network) is an error,
 * which the resolver reports as such rather than guessing.
 */
import api, { route } from '@forge/api';
import { z } from 'zod';
import { createBitbucketClient } from '../bitbucket/client';
import { BitbucketError } from '../bitbucket/errors';
import { paginate } from '../bitbucket/paginate';
import { WorkspacePermission } from '../bitbucket/schemas';
import { wrapUuid } from '../lib/uuid';

/**
 * `asUser()` acts as the user who invoked the resolver; it takes no account id there and is only available
 * in UI resolvers (https://developer.atlassian.com/platform/forge/apis-reference/fetch-api-product.requestbitbucket/).
 * `accountId` here only names whom the answer is about, never whom Forge acts as.
 */
function userClient() {
  return createBitbucketClient({ request: api.asUser(), maxAttempts: 2, backoffBaseMs: 200 });
}

async function allowed(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return true;
  } catch (error) {
    if (error instanceof BitbucketError && (error.kind === 'forbidden' || error.kind === 'not-found' || error.kind === 'unauthorized'))
      return false;
    throw error;
  }
}

/**
 * A workspace administrator (`owner`), as Bitbucket tells the user about themself: the owners listed with the
 * one documented filter, `q=permission="owner"` (OpenAPI, GET /workspaces/{workspace}/permissions), then
 * looked up by account id. A member who may not list permissions is refused (403): not an administrator.
 */
export async function isWorkspaceAdmin(accountId: string, workspaceUuid: string): Promise<boolean> {
  const workspace = wrapUuid(workspaceUuid);
  const client = userClient();
  let owners: WorkspacePermission[] = [];
  let complete = true;
  const ok = await allowed(async () => {
    const listing = await paginate(
      client,
      (bitbucket) => bitbucket.requestBitbucket(route`/2.0/workspaces/${workspace}/permissions?q=${'permission="owner"'}&pagelen=100`),
      WorkspacePermission,
      { maxPages: 20 },
    );
    owners = listing.values;
    complete = !listing.truncated;
  });
  const found = owners.some((entry) => entry.permission === 'owner' && entry.user?.account_id === accountId);
  // Not found in a list cut short is not an answer: an error, which the resolver reports as such.
  if (ok && !found && !complete)
    throw new BitbucketError('upstream', `/2.0/workspaces/${workspace}/permissions`, null, 'the list of owners was cut short');
  return ok && found;
}

/** The user administers the repository: Bitbucket shows branch restrictions only to its admins. */
export async function isRepositoryAdmin(accountId: string, workspaceUuid: string, repositoryUuid: string): Promise<boolean> {
  const [workspace, repository] = [wrapUuid(workspaceUuid), wrapUuid(repositoryUuid)];
  const client = userClient();
  return allowed(() =>
    client.getJson(
      (bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/branch-restrictions?pagelen=1`),
      z.object({ values: z.array(z.unknown()) }),
    ),
  );
}
