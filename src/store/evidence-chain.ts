/**
 * The evidence ledger's tamper evidence: a hash chain per repository, in the order records were kept.
 *
 * A record is written once (FAIL_IF_EXISTS, which also makes duplicate deliveries no-ops); then a link is
 * appended for it: position `seq`, the pull request, the SHA-256 of the record's canonical JSON
 * (src/lib/canonical.ts), the previous link's hash, and its own hash over those. A position is claimed with
 * FAIL_IF_EXISTS, the only conditional write KVS documents (https://developer.atlassian.com/platform/forge/storage-reference/storage-api-basic/):
 * two appends racing for a position cannot both win. KVS transactions document no key policy, so the record and
 * its link are two writes, and a record left without a link (a failure between them) is linked on the next
 * attempt to record it (`needsLink`).
 *
 * `verifyChain` recomputes a chain and names the first record that does not match: a changed field, a removed
 * record, a reordered one. What it cannot prove: someone who can rewrite storage can rewrite a whole chain
 * consistently. That is why exports carry the chain heads: an auditor who kept an earlier export's heads can
 * check that the chain they are given now still passes through them.
 */
import { canonicalJson, sha256Hex } from '../lib/canonical';
import type { ChainHead, ChainLink, EvidenceRecord } from './records';

export function recordHash(record: EvidenceRecord): string {
  return sha256Hex(canonicalJson(record));
}

/** The link that puts `record` at `seq`, after the link whose hash is `previousHash`. */
export function linkFor(record: EvidenceRecord, seq: number, previousHash: string | null): ChainLink {
  const body = { seq, pullRequestId: record.pullRequestId, recordHash: recordHash(record), previousHash };
  return { ...body, hash: sha256Hex(canonicalJson(body)) };
}

export type ChainProblem = 'changed' | 'removed' | 'reordered' | 'not-in-chain' | 'truncated';

export interface ChainVerdict {
  repositoryUuid: string;
  links: number;
  records: number;
  head: ChainHead | null;
  /** The first thing that does not match, in chain order; null: the chain is intact. */
  problem: { kind: ChainProblem; seq: number | null; pullRequestId: number | null; detail: string } | null;
}

export interface ChainInput {
  repositoryUuid: string;
  links: readonly ChainLink[];
  records: ReadonlyMap<number, EvidenceRecord>;
  head: ChainHead | null;
}

type Problem = NonNullable<ChainVerdict['problem']>;

function checkLink(
  link: ChainLink,
  expected: { seq: number; previousHash: string | null },
  record: EvidenceRecord | undefined,
): Problem | null {
  const at = { seq: link.seq, pullRequestId: link.pullRequestId };
  if (link.seq !== expected.seq)
    return { kind: 'removed', seq: expected.seq, pullRequestId: null, detail: `the link at position ${expected.seq} is gone` };
  const { hash, ...body } = link;
  if (link.previousHash !== expected.previousHash || sha256Hex(canonicalJson(body)) !== hash)
    return { kind: 'reordered', ...at, detail: `pull request #${link.pullRequestId} is not where it was recorded in the chain` };
  if (!record) return { kind: 'removed', ...at, detail: `the record of pull request #${link.pullRequestId} is gone` };
  if (recordHash(record) !== link.recordHash)
    return { kind: 'changed', ...at, detail: `the record of pull request #${link.pullRequestId} was changed after it was kept` };
  return null;
}

/** The first problem of a chain's links, in order. */
function firstLinkProblem(input: ChainInput, links: readonly ChainLink[]): Problem | null {
  let previousHash: string | null = null;
  for (const [index, link] of links.entries()) {
    const problem = checkLink(link, { seq: index + 1, previousHash }, input.records.get(link.pullRequestId));
    if (problem) return problem;
    previousHash = link.hash;
  }
  const last = links.at(-1);
  // The head is written after its link, so it may lag behind the chain, never run ahead of it.
  if (input.head && input.head.seq > (last?.seq ?? 0))
    return {
      kind: 'truncated',
      seq: input.head.seq,
      pullRequestId: null,
      detail: `the chain ends at ${last?.seq ?? 0}, before its head at ${input.head.seq}`,
    };
  const linked = new Set(links.map((link) => link.pullRequestId));
  const stray = [...input.records.values()].find((record) => !linked.has(record.pullRequestId));
  if (stray)
    return {
      kind: 'not-in-chain',
      seq: null,
      pullRequestId: stray.pullRequestId,
      detail: `pull request #${stray.pullRequestId} has a record but no place in the chain`,
    };
  return null;
}

/** Recomputes one repository's chain from its links, records and head. */
export function verifyChain(input: ChainInput): ChainVerdict {
  const links = [...input.links].sort((a, b) => a.seq - b.seq);
  return {
    repositoryUuid: input.repositoryUuid,
    links: links.length,
    records: input.records.size,
    head: input.head,
    problem: firstLinkProblem(input, links),
  };
}
