/**
 * What one invocation works with, built once by its handler and passed down: the Bitbucket client (with its
 * request budget), the installation's store, the workspace, the policy read at the start, and the instant
 * the invocation evaluates at.
 */
import type { BitbucketClient } from '../bitbucket/client';
import type { Policy } from '../policy/policy';
import type { Store } from '../store/store';

export interface AppContext {
  client: BitbucketClient;
  store: Store;
  workspaceUuid: string;
  policy: Policy;
  now: Date;
}
