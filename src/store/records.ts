/**
 * Stored value schemas. Every value read back from KVS is parsed: an older app version may have written
 * it, and a value that does not parse is treated as absent (and logged by the caller), never trusted.
 */
import { z } from 'zod';

export const RepositoryRecord = z.object({
  uuid: z.string(),
  slug: z.string(),
  fullName: z.string(),
  name: z.string(),
  isPrivate: z.boolean().nullable(),
  mainBranch: z.string().nullable(),
  projectKey: z.string().nullable(),
  htmlUrl: z.string().nullable(),
  /** When Bitbucket was read, ISO 8601. Older observations never overwrite newer ones. */
  observedAt: z.string(),
  /** What caused the observation: an event name, `install-scan`, `scheduled-scan`. */
  cause: z.string(),
});
export type RepositoryRecord = z.infer<typeof RepositoryRecord>;

export const StoredCheck = z.object({
  id: z.string(),
  title: z.string(),
  outcome: z.enum(['pass', 'fail', 'not-evaluable', 'not-applicable']),
  message: z.string(),
});

export const PullRequestRecord = z.object({
  repositoryUuid: z.string(),
  id: z.number().int(),
  title: z.string(),
  state: z.string(),
  destination: z.string().nullable(),
  /** The source head commit the checks were computed for; build-status events are matched on it. */
  headCommit: z.string().nullable(),
  protectedDestination: z.boolean(),
  checks: z.array(StoredCheck),
  evaluatedAt: z.string(),
  cause: z.string(),
});
export type PullRequestRecord = z.infer<typeof PullRequestRecord>;

export const ScanRecord = z.object({
  lastScanAt: z.string().nullable(),
  lastScanCause: z.string().nullable(),
  repositories: z.number().int().nonnegative(),
  truncated: z.boolean(),
});
export type ScanRecord = z.infer<typeof ScanRecord>;
