/**
 * Verifying the evidence ledger: every repository's hash chain recomputed from what storage holds now
 * (src/store/evidence-chain.ts), naming the first record that does not match. Read-only.
 */
import { unwrapUuid } from '../lib/uuid';
import { verifyChain, type ChainVerdict } from '../store/evidence-chain';
import type { EvidenceRecord } from '../store/records';
import type { Store } from '../store/store';

export interface LedgerVerdict {
  intact: boolean;
  records: number;
  repositories: Array<ChainVerdict & { slug: string }>;
  /** Repositories left unverified when the deadline came (0: all were). */
  unverified: number;
}

type LedgerStore = Pick<Store, 'listChainHeads' | 'listRepositories' | 'readChain' | 'listAllEvidence'>;

/**
 * Every repository with evidence or a chain (or those `only` allows: what a caller can read), verified; the slug
 * from the records or the stored repository. `deadline`: stop before it and say how many were left unverified.
 */
export async function verifyLedger(
  store: LedgerStore,
  options: { only?: (repositoryUuid: string) => boolean; deadline?: number } = {},
): Promise<LedgerVerdict> {
  const stored = await store.listRepositories();
  const heads = (await store.listChainHeads()).map((entry) => entry.repositoryUuid);
  const byRepository = new Map<string, EvidenceRecord[]>();
  for (const record of await store.listAllEvidence()) {
    const uuid = unwrapUuid(record.repositoryUuid);
    const kept = byRepository.get(uuid);
    if (kept) kept.push(record);
    else byRepository.set(uuid, [record]);
  }
  const uuids = [...new Set([...heads, ...byRepository.keys(), ...stored.map((record) => unwrapUuid(record.uuid))])]
    .filter((uuid) => options.only?.(uuid) ?? true)
    .sort();
  const repositories: LedgerVerdict['repositories'] = [];
  for (const [index, repositoryUuid] of uuids.entries()) {
    if (options.deadline !== undefined && Date.now() > options.deadline) {
      return summarise(repositories, uuids.length - index);
    }
    const { links, head } = await store.readChain(repositoryUuid);
    const records = byRepository.get(repositoryUuid) ?? [];
    if (links.length === 0 && records.length === 0 && head === null) continue;
    const slug = records[0]?.repositorySlug ?? stored.find((record) => unwrapUuid(record.uuid) === repositoryUuid)?.slug ?? repositoryUuid;
    const verdict = verifyChain({ repositoryUuid, links, records: new Map(records.map((record) => [record.pullRequestId, record])), head });
    repositories.push({ ...verdict, slug });
  }
  return summarise(repositories, 0);
}

function summarise(repositories: LedgerVerdict['repositories'], unverified: number): LedgerVerdict {
  return {
    intact: unverified === 0 && repositories.every((repository) => repository.problem === null),
    records: repositories.reduce((sum, repository) => sum + repository.records, 0),
    repositories,
    unverified,
  };
}
