/**
 * The evidence ledger on the strict KVS: each repository's records form a hash chain, `verifyLedger` names the
 * first record that was changed, removed or moved, and a failure between a record's writes heals on the next
 * attempt to record it instead of leaving the pull request out of period exports or outside the chain.
 */
import crypto from 'node:crypto';
import { kvs } from '@forge/kvs';
import { evidenceJson } from '../../src/report/evidence';
import { keys } from '../../src/store/keys';
import { createStore } from '../../src/store/store';
import { ChainLink, type EvidenceRecord } from '../../src/store/records';
import { verifyLedger } from '../../src/services/evidence-verify';
import { startSandbox } from '../engine/sandbox';

const REPOSITORY = '0f3c1a2b-1111-4222-8333-444455556666';

function record(id: number, mergedAt: string): EvidenceRecord {
  return {
    repositoryUuid: REPOSITORY,
    repositorySlug: 'api',
    pullRequestId: id,
    title: `API-${id}: Fix`,
    author: { accountId: '557058:aaaa', name: 'Ada' },
    approvers: [{ accountId: '557058:bbbb', name: 'Ben', approvedAt: '2026-09-20T10:00:00.362Z' }],
    builds: [{ key: 'ci', state: 'SUCCESSFUL', at: '2026-09-20T09:30:00.362Z' }],
    destination: 'main',
    source: `fix/${id}`,
    mergeCommit: 'abc123abc123',
    mergedAt,
    mergedAtSource: 'activity',
    mergedBy: { accountId: '557058:bbbb', name: 'Ben' },
    url: `https://bitbucket.org/acme/api/pull-requests/${id}`,
    independentlyApproved: true,
    passingBuild: true,
    recordedAt: '2026-10-01T08:00:00.362Z',
    origin: 'backfill',
  };
}

const MERGES = ['2026-09-20T11:00:00.362Z', '2026-09-22T16:45:12.500Z', '2026-09-30T23:59:59.999Z', '2026-10-03T08:00:00.362Z'];

describe('the evidence chain', () => {
  let s: Awaited<ReturnType<typeof startSandbox>>;
  const ws = () => s.emulator.seed.workspaces[0]!.uuid;
  const inStore = <T>(fn: (store: ReturnType<typeof createStore>) => Promise<T>): Promise<T> =>
    s.runtime.withInstallation(ws(), () => fn(createStore()));
  const recordAll = () => inStore(async (store) => Promise.all(MERGES.map((at, i) => store.putEvidence(record(i + 1, at)))));
  const verdict = async () => (await inStore(verifyLedger)).repositories.find((repository) => repository.repositoryUuid === REPOSITORY);
  const kvsDo = (fn: () => Promise<unknown>) => s.runtime.withInstallation(ws(), fn);

  beforeEach(async () => {
    s = await startSandbox();
  });
  afterEach(() => s.emulator.close());

  it('links records appended at the same time, each once, and verifies intact', async () => {
    expect(await recordAll()).toEqual([true, true, true, true]);
    expect(await recordAll()).toEqual([false, false, false, false]);
    const checked = await verdict();
    expect(checked).toMatchObject({ links: 4, records: 4, head: { seq: 4 }, problem: null });
    const { links } = await inStore((store) => store.readChain(REPOSITORY));
    expect(links.map((link) => link.seq).sort()).toEqual([1, 2, 3, 4]);
    expect(new Set(links.map((link) => link.pullRequestId)).size).toBe(4);
  });

  it.each([
    [
      'a changed field',
      async () => {
        const stored = (await kvs.get(keys.evidence(REPOSITORY, 2))) as EvidenceRecord;
        await kvs.set(keys.evidence(REPOSITORY, 2), { ...stored, passingBuild: false });
      },
      { kind: 'changed', pullRequestId: 2 },
    ],
    ['a removed record', () => kvs.delete(keys.evidence(REPOSITORY, 3)), { kind: 'removed', pullRequestId: 3 }],
    [
      'a reordered record (two links swapped)',
      async () => {
        const [first, second] = [keys.evidenceChain(REPOSITORY, 2), keys.evidenceChain(REPOSITORY, 3)];
        const [a, b] = [ChainLink.parse(await kvs.get(first)), ChainLink.parse(await kvs.get(second))];
        await kvs.set(first, { ...b, seq: 2 });
        await kvs.set(second, { ...a, seq: 3 });
      },
      { kind: 'reordered', seq: 2 },
    ],
    [
      'a removed record and its link at the end',
      async () => {
        await kvs.delete(keys.evidence(REPOSITORY, 4));
        await kvs.delete(keys.evidenceChain(REPOSITORY, 4));
      },
      { kind: 'truncated', seq: 4 },
    ],
    ['a link removed in the middle', () => kvs.delete(keys.evidenceChain(REPOSITORY, 2)), { kind: 'removed', seq: 2 }],
  ])('names %s', async (_name, tamper, problem) => {
    await inStore(async (store) => {
      for (const [i, at] of MERGES.entries()) await store.putEvidence(record(i + 1, at));
    });
    expect((await verdict())?.problem).toBeNull();
    await kvsDo(tamper);
    expect((await verdict())?.problem).toMatchObject(problem);
    expect((await inStore(verifyLedger)).intact).toBe(false);
  });

  it('heals a record whose link and date index were not written: it is in the chain and in its period on the next attempt', async () => {
    const kv = s.runtime.installation(ws()).kvs;
    // The record's write succeeds; the reads and writes after it fail (the invocation would be retried).
    kv.failNext(1, 500, 'INTERNAL_SERVER_ERROR', 1);
    await expect(inStore((store) => store.putEvidence(record(7, '2026-09-30T23:59:59.999Z')))).rejects.toThrow();
    expect(await inStore((store) => store.getEvidence(REPOSITORY, 7))).toBeDefined();
    const q3 = () => inStore((store) => store.listEvidenceBetween(new Date('2026-07-01T00:00:00Z'), new Date('2026-10-01T00:00:00Z')));
    expect(await q3()).toEqual([]);
    expect((await verdict())?.problem).toMatchObject({ kind: 'not-in-chain', pullRequestId: 7 });
    expect(await inStore((store) => store.putEvidence(record(7, '2026-09-30T23:59:59.999Z')))).toBe(false);
    expect((await q3()).map((kept) => kept.pullRequestId)).toEqual([7]);
    expect(await verdict()).toMatchObject({ links: 1, problem: null });
  });

  it('exports records an auditor can re-hash offline: each record without `reason` and `chain` hashes to its link', async () => {
    await inStore(async (store) => {
      for (const [i, at] of MERGES.entries()) await store.putEvidence(record(i + 1, at));
    });
    const exported = await inStore(async (store) => {
      const records = await store.listEvidenceBetween(new Date('2026-09-01T00:00:00Z'), new Date('2026-11-01T00:00:00Z'));
      const links = new Map((await store.readChain(REPOSITORY)).links.map((link) => [link.pullRequestId, link]));
      return evidenceJson(records, {
        period: { since: '2026-09-01T00:00:00.362Z', until: '2026-11-01T00:00:00.362Z' },
        workspace: null,
        generatedAt: '2026-11-22T09:00:00.362Z',
        chain: { links: (kept) => links.get(kept.pullRequestId) ?? null, heads: await store.listChainHeads() },
      });
    });
    const body = JSON.parse(exported) as { chainHeads: unknown[]; records: Array<Record<string, unknown> & { chain: ChainLink }> };
    // An independent canonical form: keys sorted at every level by a JSON.stringify replacer.
    const sorted = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(sorted)
        : value && typeof value === 'object'
          ? Object.fromEntries(
              Object.entries(value)
                .sort(([a], [b]) => (a < b ? -1 : 1))
                .map(([k, v]) => [k, sorted(v)]),
            )
          : value;
    const sha = (value: unknown) =>
      crypto
        .createHash('sha256')
        .update(JSON.stringify(sorted(value)))
        .digest('hex');
    expect(body.records).toHaveLength(4);
    let previous: string | null = null;
    for (const { reason: _reason, chain, ...kept } of body.records) {
      expect(sha(kept)).toBe(chain.recordHash);
      const { hash, ...link } = chain;
      expect(sha(link)).toBe(hash);
      expect(chain.previousHash).toBe(previous);
      previous = hash;
    }
    expect(body.chainHeads).toEqual([{ repositoryUuid: REPOSITORY, head: { seq: 4, hash: previous } }]);
  });

  it('refuses a key policy inside a transaction, as Forge documents none there', async () => {
    const options: { ttl?: undefined; keyPolicy: string } = { keyPolicy: 'FAIL_IF_EXISTS' };
    await expect(kvsDo(() => kvs.transact().set('v1:probe', 1, undefined, options).execute())).rejects.toThrow(
      /a transaction does not take a key policy/,
    );
  });
});
