/**
 * Scan jobs on the `attest-scan-jobs` queue (manifest `consumer`). Bodies are small and validated on the
 * way in: the consumer trusts nothing it reads off the queue.
 */
import { Queue } from '@forge/events';
import { z } from 'zod';

export const SCAN_QUEUE = 'attest-scan-jobs';

export const ScanJob = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('workspace'), workspaceUuid: z.string(), cause: z.string() }),
  z.object({ kind: z.literal('repository'), workspaceUuid: z.string(), repositoryUuid: z.string(), cause: z.string() }),
]);
export type ScanJob = z.infer<typeof ScanJob>;

/** Pushes jobs in chunks of 50, the per-push maximum (platform-facts §6). */
export async function enqueueScanJobs(jobs: readonly ScanJob[], delayInSeconds = 0): Promise<string[]> {
  const queue = new Queue({ key: SCAN_QUEUE });
  const jobIds: string[] = [];
  for (let start = 0; start < jobs.length; start += 50) {
    const chunk = jobs.slice(start, start + 50).map((body) => ({ body, ...(delayInSeconds > 0 ? { delayInSeconds } : {}) }));
    const { jobId } = await queue.push(chunk);
    jobIds.push(jobId);
  }
  return jobIds;
}
