/**
 * A busy repository for the ledger's backfill: the demo workspace's payments-api with `merged` more pull
 * requests merged into main over the last `days` days (evenly spaced, each approved by someone else and with a
 * passing build on its source commit), in the emulator's seed format.
 */
import { DEMO_NOW, demoSeed } from './seeds';
import type { SeedInput } from './model';

export const BUSY_REPOSITORY = 'payments-api';

const hex = (n: number, salt: string) => `${salt}${n.toString(16)}`.padStart(40, '0').slice(-40);

export function busySeed(merged: number, days = 85): SeedInput {
  const seed = demoSeed();
  const users = seed.users ?? [];
  const [author, reviewer] = [users[1]!.accountId, users[2]!.accountId];
  const repo = seed.workspaces[0]!.repositories!.find((candidate) => candidate.slug === BUSY_REPOSITORY)!;
  const firstId = Math.max(...(repo.pullRequests ?? []).map((pr) => pr.id)) + 1;
  const span = days * 86_400_000;
  for (let n = 0; n < merged; n++) {
    const at = new Date(DEMO_NOW - span + Math.floor((n * span) / merged) + 1_234).toISOString();
    const source = hex(n, 'b5');
    repo.pullRequests!.push({
      id: firstId + n,
      title: `ACME-${5000 + n}: Busy change ${n}`,
      authorId: author,
      state: 'MERGED',
      sourceBranch: `feature/busy-${n}`,
      destinationBranch: 'main',
      sourceCommit: source,
      mergeCommit: hex(n, 'c7'),
      createdOn: at,
      updatedOn: at,
      mergedOn: at,
      closedById: author,
      participants: [{ accountId: reviewer, role: 'REVIEWER', approved: true, state: 'approved', participatedOn: at }],
      reviewers: [reviewer],
    });
    repo.statuses!.push({ commit: source, key: 'pipelines', state: 'SUCCESSFUL', createdOn: at, updatedOn: at });
  }
  return seed;
}
