import { DEMO_NOW, demoSeed } from '../../local/emulator/seeds';
import { appRequest, createBitbucketClient } from '../../src/bitbucket/client';
import { coverPeriod } from '../../src/services/evidence-coverage';
import { linkFor, verifyChain } from '../../src/store/evidence-chain';
import type { ChainLink, EvidenceRecord } from '../../src/store/records';
import { createStore } from '../../src/store/store';
import { sandbox, type BenchOptions, type Figure } from '../sandbox';

/**
 * Bitbucket requests per merged pull request when the ledger is backfilled for a year of the demo workspace
 * (`attest evidence` on a fresh ledger), split by what they read. "Before" is the same run without the
 * activity reads (each merge dated by its MERGED entry rather than `updated_on`) and the commit reads (each
 * merge commit's full hash: the main branch's commit list, a hundred a page, else the commit itself).
 */
export async function backfillRequests(): Promise<Figure> {
  const s = await sandbox(demoSeed());
  const since = new Date(DEMO_NOW - 365 * 86_400_000);
  const coverage = await s.runtime.withInstallation(s.ws.uuid, () =>
    coverPeriod(
      { client: createBitbucketClient({ request: appRequest() }), store: createStore(), workspaceUuid: s.ws.uuid, now: new Date(DEMO_NOW) },
      { since, until: new Date(DEMO_NOW) },
    ),
  );
  await s.emulator.close();
  const count = (pattern: RegExp) => s.emulator.log.filter((entry) => pattern.test(entry.path)).length;
  const [activity, statuses, listings] = [count(/\/activity$/), count(/\/statuses$/), count(/\/pullrequests$/)];
  const [commitLists, commitReads] = [count(/\/commits\/[^/]+$/), count(/\/commit\/[0-9a-f]+$/)];
  const commits = commitLists + commitReads;
  const total = s.emulator.log.length;
  const merged = Math.max(1, coverage.recorded);
  const after = total / merged;
  const before = (total - activity - commits) / merged;
  const other = total - listings - statuses - activity - commits;
  return {
    figure: 'Evidence backfill: Bitbucket requests per merged pull request',
    value: `${after.toFixed(2)} after, ${before.toFixed(2)} before (a year of the demo workspace: ${coverage.recorded} merged pull requests; ${listings} listing pages, ${statuses} status reads, ${activity} activity reads for the merge time, ${commitLists} commit-list pages and ${commitReads} commit reads for full merge hashes where one read per pull request would take ${coverage.recorded}, ${other} other)`,
    target: 'measured: the cost of dating each merge by its activity entry and keeping its full merge hash',
    data: {
      recorded: coverage.recorded,
      total,
      listings,
      statuses,
      activity,
      commitLists,
      commitReads,
      after,
      before,
      gaps: coverage.gaps.length,
    },
  };
}

function syntheticRecord(id: number): EvidenceRecord {
  const at = new Date(DEMO_NOW - id * 60_000).toISOString();
  return {
    repositoryUuid: '0f3c1a2b-1111-4222-8333-444455556666',
    repositorySlug: 'api',
    pullRequestId: id,
    title: `API-${id}: Change ${id}`,
    author: { accountId: '557058:aaaa', name: 'Ada' },
    approvers: [{ accountId: '557058:bbbb', name: 'Ben', approvedAt: at }],
    builds: [{ key: 'ci', state: 'SUCCESSFUL', at }],
    destination: 'main',
    source: `change/${id}`,
    mergeCommit: id.toString(16).padStart(12, '0'),
    mergedAt: at,
    mergedAtSource: 'activity',
    mergedBy: { accountId: '557058:bbbb', name: 'Ben' },
    url: `https://bitbucket.org/acme/api/pull-requests/${id}`,
    independentlyApproved: true,
    passingBuild: true,
    recordedAt: at,
    origin: 'event',
  };
}

/**
 * Verifying 100,000 records (one chain): recomputing every record's and link's SHA-256. Reading them from KVS
 * comes on top: 100 values a query page, so 1,000 pages of records and 1,000 of links.
 */
export function verifyTime({ quick }: BenchOptions): Figure {
  const count = quick ? 10_000 : 100_000;
  const records = new Map<number, EvidenceRecord>();
  const links: ChainLink[] = [];
  let previous: string | null = null;
  for (let id = 1; id <= count; id++) {
    const record = syntheticRecord(id);
    const link = linkFor(record, id, previous);
    records.set(id, record);
    links.push(link);
    previous = link.hash;
  }
  const started = performance.now();
  const verdict = verifyChain({ repositoryUuid: 'bench', links, records, head: { seq: count, hash: previous } });
  const seconds = (performance.now() - started) / 1000;
  return {
    figure: `Evidence verify: ${count.toLocaleString('en')} records`,
    value: `${seconds.toFixed(2)} s to recompute the chain (${verdict.problem === null ? 'intact' : verdict.problem.kind}); plus ${Math.ceil(count / 100) * 2} KVS query pages to read records and links`,
    target: 'measured',
    data: { count, seconds, intact: verdict.problem === null },
  };
}
