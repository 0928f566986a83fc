/**
 * The only place KVS keys are built. Scheme (KVS storage is per installation, i.e. per workspace, so the
 * workspace is not part of the key):
 *
 *   v1:repo:<repo-uuid>                  latest observation of a repository (RepositoryRecord)
 *   v1:pr:<repo-uuid>:<id>               pull-request checks for the card and merge check
 *   v1:policy                            the workspace policy
 *   v1:scan                              scan bookkeeping (last install/scheduled scan)
 *
 * UUIDs are stored without braces: KVS keys must match ^(?!\s+$)[a-zA-Z0-9:._\s-#]+$ (platform-facts §7).
 * The `v1` prefix lets a later schema migrate by reading v1 and writing v2.
 */
import { unwrapUuid } from '../lib/uuid';

const VERSION = 'v1';

export const keys = {
  repositoryPrefix: (): string => `${VERSION}:repo:`,
  repository: (repositoryUuid: string): string => `${VERSION}:repo:${unwrapUuid(repositoryUuid)}`,
  pullRequest: (repositoryUuid: string, id: number): string => `${VERSION}:pr:${unwrapUuid(repositoryUuid)}:${id}`,
  pullRequestPrefix: (repositoryUuid: string): string => `${VERSION}:pr:${unwrapUuid(repositoryUuid)}:`,
  policy: (): string => `${VERSION}:policy`,
  scan: (): string => `${VERSION}:scan`,
};
