/**
 * A small port over `@forge/kvs`: typed reads (parsed, never trusted) and writes under keys from keys.ts.
 * Built per invocation; holds no state of its own.
 *
 * Consistency: each repository's state is one key, written whole by the evaluation that read Bitbucket
 * last (an older evaluation never overwrites a newer one), together with its history entries in one
 * transaction. Evidence records are written once (`FAIL_IF_EXISTS`), so duplicate deliveries are no-ops.
 * Shared documents (the summary) are derived from the per-repository keys, never edited in place.
 */
import { ForgeKvsAPIError, kvs } from '@forge/kvs';
import type { z } from 'zod';
import { keys } from './keys';
import { read, readAll } from './kvs-read';
import { accessReviewStore } from './access-review-store';
import { flowStore, flowSyncStore } from './flow-store';
import { decodeChunk, encodeChunk } from './summary-codec';
import { linkFor } from './evidence-chain';
import {
  ChainHead,
  ChainLink,
  DownloadGrant,
  EvidencePeriodState,
  EvidenceRecord,
  HistoryEntry,
  PullRequestRecord,
  RepositoryRecord,
  ScanState,
  ChangeMarker,
  FailureRecord,
  PeopleChunk,
  PeopleMeta,
  SummaryChunk,
  SummaryMeta,
  WorkspaceState,
  type IndexRow,
} from './records';
import { Policy } from '../policy/policy';
import { now } from '../lib/clock';

/** How many single reads (or writes) are in flight at once. */
const PARALLEL_READS = 20;

/**
 * Values by key, in order (undefined when absent or unreadable), read one key at a time, 20 at once. Each read costs
 * at least one unit (a batch get of small values costs fewer: units follow bytes), but single reads leave alone the
 * 45 batch operations a minute an installation has (https://developer.atlassian.com/platform/forge/limits-kvs-ce/),
 * which the hourly plan and the summary rebuild would otherwise spend every time they run.
 */
async function readEach<S extends z.ZodType>(keyList: readonly string[], schema: S): Promise<Array<z.infer<S> | undefined>> {
  const out: Array<z.infer<S> | undefined> = [];
  for (let i = 0; i < keyList.length; i += PARALLEL_READS)
    out.push(...(await Promise.all(keyList.slice(i, i + PARALLEL_READS).map((key) => read(key, schema)))));
  return out;
}

/** A summary chunk holds at most this many bytes of JSON (the KVS value limit is 240 KiB). */
export const SUMMARY_CHUNK_BYTES = 200 * 1024;

/**
 * What one batch may carry: 25 keys and 4 MB of payload (https://developer.atlassian.com/platform/forge/storage-reference/batchops/),
 * less a margin for the keys and the JSON around the values.
 */
const BATCH_KEYS = 25;
const BATCH_BYTES = 4 * 1024 * 1024 - 64 * 1024;

/** Splits items into batches within both batch limits. */
export function batchesOf<T>(items: readonly T[], bytesOf: (item: T) => number): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    const bytes = bytesOf(item);
    if (current.length > 0 && (current.length === BATCH_KEYS || size + bytes > BATCH_BYTES)) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** The months (`YYYY-MM`) from `from` to `to`, both included. */
function monthsBetween(from: Date, to: Date): string[] {
  const months: string[] = [];
  const cursor = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1));
  while (cursor <= to) {
    months.push(cursor.toISOString().slice(0, 7));
    cursor.setUTCMonth(cursor.getUTCMonth() + 1);
  }
  return months;
}

/** How long a repository's write lease lasts: far longer than the read and the write it guards. */
const LEASE_TTL = { value: 60, unit: 'SECONDS' } as const;
const LEASE_ATTEMPTS = 40;

/** A short wait in real time (another invocation is writing), jittered so waiters do not retry in step. */
function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 10 + Math.floor(Math.random() * 40)));
}

/**
 * Takes a repository's write lease: a key written with FAIL_IF_EXISTS (the only conditional write KVS documents
 * for keys, https://developer.atlassian.com/platform/forge/storage-reference/storage-api-basic/) and a TTL, so a
 * holder that dies frees it within a minute. Without it, two evaluations of one repository (a scan job and an
 * event) could each read the stored state, find it older than theirs, and write in either order: an older
 * result overwriting a newer one. Throws when the lease stays taken (the queue retries the job).
 */
async function takeLease(key: string): Promise<void> {
  for (let attempt = 0; attempt < LEASE_ATTEMPTS; attempt++) {
    try {
      await kvs.set(key, { at: Date.now() }, { keyPolicy: 'FAIL_IF_EXISTS', ttl: LEASE_TTL });
      return;
    } catch (error) {
      if (!(error instanceof ForgeKvsAPIError)) throw error;
      // Refused because it is held (or KVS failed): wait for the holder either way.
      await pause();
    }
  }
  throw Object.assign(new Error(`another invocation kept writing ${key} for ${LEASE_ATTEMPTS} attempts: try again`), {
    name: 'LeaseBusyError',
  });
}

/** Change markers expire by themselves after a day: the summary folds them in every hour, and deletes what it folded. */
const CHANGE_TTL = { value: 1, unit: 'DAYS' } as const;

type Transaction = ReturnType<typeof kvs.transact>;

/**
 * Adds a change marker to a repository record's transaction: the summary (services/summary.ts) folds in the
 * records marked since its last rebuild instead of reading every record. The key is new for every write (the time
 * and a random part), so a marker written while a rebuild runs is never deleted with the ones it folded.
 */
function withChangeMarker(transaction: Transaction, uuid: string): Transaction {
  const at = now();
  const token = `${at.getTime().toString(36)}.${Math.random().toString(36).slice(2, 10)}`;
  return transaction.set(keys.change(uuid, token), { uuid, at: at.toISOString() }, undefined, { ttl: CHANGE_TTL });
}

/** Repository states: one record per repository, never overwritten by an older evaluation. */
function repositoriesStore() {
  return {
    getRepository: (uuid: string) => read(keys.repository(uuid), RepositoryRecord),
    async listRepositories(): Promise<RepositoryRecord[]> {
      return (await readAll(keys.repositoryPrefix(), RepositoryRecord)).map((entry) => entry.value);
    },

    /**
     * Writes a repository's state unless a newer one is stored (by `evaluatedAt`, then `observedAt`), with
     * its history entries, in one transaction. Returns whether it was written.
     */
    async putRepository(record: RepositoryRecord, history: readonly HistoryEntry[] = []): Promise<boolean> {
      const lease = keys.repositoryLease(record.uuid);
      await takeLease(lease);
      let released = false;
      try {
        const current = await read(keys.repository(record.uuid), RepositoryRecord);
        if (current && isNewer(current, record)) return false;
        // One transaction (at most 25 operations): the state, its change marker for the summary, up to 22 history
        // entries, and the lease's release.
        let transaction = kvs.transact().set(keys.repository(record.uuid), record);
        transaction = withChangeMarker(transaction, record.uuid);
        for (const entry of history.slice(0, 22))
          transaction = transaction.set(keys.history(entry.at, entry.subject, entry.control), entry);
        await transaction.delete(lease).execute();
        released = true;
        return true;
      } finally {
        if (!released) await kvs.delete(lease);
      }
    },
    async deleteRepository(uuid: string, history?: HistoryEntry): Promise<void> {
      const transaction = withChangeMarker(kvs.transact().delete(keys.repository(uuid)), uuid);
      if (history) await transaction.set(keys.history(history.at, history.subject, history.control), history).execute();
      else await transaction.execute();
    },
    /** Records by uuid (see `readEach`); absent or unreadable ones are left out. */
    async getRepositories(uuids: readonly string[]): Promise<Map<string, RepositoryRecord>> {
      const records = await readEach(
        uuids.map((uuid) => keys.repository(uuid)),
        RepositoryRecord,
      );
      return new Map(records.flatMap((record) => (record ? [[record.uuid, record] as const] : [])));
    },
  };
}

/** Pull-request check results kept for the card, one record per open pull request. */
function pullRequestsStore() {
  return {
    getPullRequest: (repositoryUuid: string, id: number) => read(keys.pullRequest(repositoryUuid, id), PullRequestRecord),
    async listPullRequests(repositoryUuid: string): Promise<PullRequestRecord[]> {
      return (await readAll(keys.pullRequestPrefix(repositoryUuid), PullRequestRecord)).map((entry) => entry.value);
    },
    async putPullRequest(record: PullRequestRecord): Promise<boolean> {
      const key = keys.pullRequest(record.repositoryUuid, record.id);
      const current = await read(key, PullRequestRecord);
      if (current && Date.parse(current.evaluatedAt) > Date.parse(record.evaluatedAt)) return false;
      // An evaluation that wrote no report (the merge check's) keeps the note of the one written for this head.
      const kept = current?.insights && current.insights.commit === record.headCommit ? current.insights : null;
      await kvs.set(key, { ...record, insights: record.insights ?? kept });
      return true;
    },
    async deletePullRequest(repositoryUuid: string, id: number): Promise<void> {
      await kvs.delete(keys.pullRequest(repositoryUuid, id));
    },
  };
}

/** Positions an append tries when concurrent appends keep taking the next one first. */
const APPEND_ATTEMPTS = 5;

/**
 * Appends a link for a stored record after the chain's newest one, claiming the position with FAIL_IF_EXISTS:
 * when another append took it first, its link is read and the next position tried.
 */
async function appendLink(stored: EvidenceRecord): Promise<void> {
  const { repositoryUuid, pullRequestId } = stored;
  let head = (await read(keys.evidenceHead(repositoryUuid), ChainHead)) ?? { seq: 0, hash: null };
  for (let attempt = 0; attempt < APPEND_ATTEMPTS; attempt++) {
    const link = linkFor(stored, head.seq + 1, head.hash);
    try {
      await kvs.set(keys.evidenceChain(repositoryUuid, link.seq), link, { keyPolicy: 'FAIL_IF_EXISTS' });
    } catch (error) {
      if (!(error instanceof ForgeKvsAPIError)) throw error;
      const taken = await read(keys.evidenceChain(repositoryUuid, link.seq), ChainLink);
      if (!taken) throw error;
      head = { seq: taken.seq, hash: taken.hash };
      continue;
    }
    await kvs.set(keys.evidenceLinked(repositoryUuid, pullRequestId), { seq: link.seq });
    await kvs.set(keys.evidenceHead(repositoryUuid), { seq: link.seq, hash: link.hash });
    return;
  }
  throw new Error(`the evidence chain of ${repositoryUuid} kept moving: pull request #${pullRequestId} will be linked on the next attempt`);
}

/**
 * Makes sure a stored record is in its chain and in the date index (two reads when it is): a failure between
 * the record's write and these heals on the next attempt to record the pull request, instead of leaving it
 * out of period exports or outside the chain for good.
 */
async function ensureEvidenceKept(stored: EvidenceRecord): Promise<void> {
  if ((await kvs.get(keys.evidenceLinked(stored.repositoryUuid, stored.pullRequestId))) === undefined) await appendLink(stored);
  const index = keys.evidenceByDate(stored.mergedAt, stored.repositoryUuid, stored.pullRequestId);
  if ((await kvs.get(index)) === undefined) await kvs.set(index, stored);
}

/** The evidence ledger: immutable records by pull request, their hash chains, and a date index for periods. */
function evidenceStore() {
  return {
    /**
     * Writes an evidence record once, then links it into its repository's chain and indexes it by date. A
     * second write of the same pull request is a no-op (returns false) that still puts back a missing link or
     * date index, so a failure between the writes heals on the next delivery. What KVS answers to a refused
     * `FAIL_IF_EXISTS` write is not documented, so a refusal is told apart from a failure by reading the key.
     */
    async putEvidence(record: EvidenceRecord): Promise<boolean> {
      const key = keys.evidence(record.repositoryUuid, record.pullRequestId);
      try {
        await kvs.set(key, record, { keyPolicy: 'FAIL_IF_EXISTS' });
      } catch (error) {
        if (!(error instanceof ForgeKvsAPIError)) throw error;
        const stored = await read(key, EvidenceRecord);
        if (!stored) throw error;
        await ensureEvidenceKept(stored);
        return false;
      }
      // A new record has neither a link nor an index yet: no need to look for them.
      await appendLink(record);
      await kvs.set(keys.evidenceByDate(record.mergedAt, record.repositoryUuid, record.pullRequestId), record);
      return true;
    },
    ensureEvidenceKept,
    /** A repository's chain: its links (unordered, as KVS answers) and its head. */
    async readChain(repositoryUuid: string): Promise<{ links: ChainLink[]; head: ChainHead | null }> {
      const links = (await readAll(keys.evidenceChainPrefix(repositoryUuid), ChainLink)).map((entry) => entry.value);
      return { links, head: (await read(keys.evidenceHead(repositoryUuid), ChainHead)) ?? null };
    },
    /** Every repository that has an evidence chain, with its head (for exports: an auditor keeps them). */
    async listChainHeads(): Promise<Array<{ repositoryUuid: string; head: ChainHead }>> {
      return (await readAll(keys.evidenceHeadPrefix(), ChainHead)).map((entry) => ({
        repositoryUuid: entry.key.slice(keys.evidenceHeadPrefix().length),
        head: entry.value,
      }));
    },
    getEvidence: (repositoryUuid: string, id: number) => read(keys.evidence(repositoryUuid, id), EvidenceRecord),
    /** Every record of every repository (for verification: a record outside any chain must be found too). */
    async listAllEvidence(): Promise<EvidenceRecord[]> {
      return (await readAll(keys.evidenceAllPrefix(), EvidenceRecord)).map((entry) => entry.value);
    },
    async listEvidenceForRepository(repositoryUuid: string): Promise<EvidenceRecord[]> {
      return (await readAll(keys.evidencePrefix(repositoryUuid), EvidenceRecord)).map((entry) => entry.value);
    },
    /** Evidence merged in [since, until), by merge time, reading one month prefix at a time. */
    async listEvidenceBetween(since: Date, until: Date): Promise<EvidenceRecord[]> {
      const out: EvidenceRecord[] = [];
      for (const month of monthsBetween(since, new Date(until.getTime() - 1))) {
        for (const { value } of await readAll(keys.evidenceByDatePrefix(month), EvidenceRecord)) {
          const at = Date.parse(value.mergedAt);
          if (at >= since.getTime() && at < until.getTime()) out.push(value);
        }
      }
      return out.sort(
        (a, b) =>
          a.mergedAt.localeCompare(b.mergedAt) || a.repositorySlug.localeCompare(b.repositorySlug) || a.pullRequestId - b.pullRequestId,
      );
    },
  };
}

/** The history of outcome changes, keyed by month so reads and pruning never rely on query order. */
function historyStore() {
  return {
    async addHistory(entries: readonly HistoryEntry[]): Promise<void> {
      const items = entries.map((entry) => ({ key: keys.history(entry.at, entry.subject, entry.control), value: entry }));
      for (const batch of batchesOf(items, (item) => Buffer.byteLength(JSON.stringify(item)))) {
        const result = await kvs.batchSet(batch);
        if (result.failedKeys.length > 0)
          throw new Error(`history entries not written: ${result.failedKeys.map((failed) => failed.error.message).join('; ')}`);
      }
    },
    /** History entries since `since`, newest first, at most `limit` (reads one month prefix at a time). */
    async recentHistory(since: Date, until: Date, limit = 100): Promise<HistoryEntry[]> {
      const out: HistoryEntry[] = [];
      for (const month of monthsBetween(since, until)) {
        for (const { value } of await readAll(keys.historyPrefix(month), HistoryEntry)) {
          if (Date.parse(value.at) >= since.getTime()) out.push(value);
        }
      }
      return out
        .sort((a, b) => b.at.localeCompare(a.at) || a.subject.localeCompare(b.subject) || a.control.localeCompare(b.control))
        .slice(0, limit);
    },
    /**
     * Deletes history older than `before`, month by month from `from` (when history began: the install), so
     * nothing depends on the order KVS answers in. Returns how many entries went.
     */
    async pruneHistory(before: string, from: Date): Promise<number> {
      const cutoff = Date.parse(before);
      const old: string[] = [];
      for (const month of monthsBetween(from, new Date(cutoff))) {
        for (const { key, value } of await readAll(keys.historyPrefix(month), HistoryEntry))
          if (Date.parse(value.at) < cutoff) old.push(key);
      }
      for (const batch of batchesOf(old, () => 0)) {
        const result = await kvs.batchDelete(batch.map((key) => ({ key })));
        if (result.failedKeys.length > 0)
          throw new Error(`history entries not deleted: ${result.failedKeys.map((failed) => failed.error.message).join('; ')}`);
      }
      return old.length;
    },
  };
}

/** The workspace controls' state. */
function workspaceStore() {
  return {
    getWorkspace: () => read(keys.workspace(), WorkspaceState),
    async putWorkspace(state: WorkspaceState): Promise<boolean> {
      const current = await read(keys.workspace(), WorkspaceState);
      if (current && Date.parse(current.evaluatedAt) > Date.parse(state.evaluatedAt)) return false;
      await kvs.set(keys.workspace(), state);
      return true;
    },
  };
}

/** The dashboard summary: a meta record and every repository's row in chunks (services/summary.ts lays them out). */
function summaryStore() {
  return {
    /** The summary without its rows: one KVS read, what the dashboard's first view needs. */
    getSummaryMeta: () => read(keys.summaryMeta(), SummaryMeta),
    /**
     * The summary with its chunks of rows, as many chunks a batch as fit in 4 MB (chunks are ≤200 KiB: 19 a batch).
     * A chunk that cannot be read comes back null, so a rebuild rewrites it rather than trusting it empty.
     */
    async getSummary(): Promise<{ meta: SummaryMeta; chunks: Array<IndexRow[] | null>; rows: IndexRow[] } | undefined> {
      const meta = await read(keys.summaryMeta(), SummaryMeta);
      if (!meta) return undefined;
      const chunkKeys = Array.from({ length: meta.chunks }, (_, i) => keys.summaryChunk(meta.generation, i));
      const chunks = (await readEach(chunkKeys, SummaryChunk)).map((chunk) => (chunk ? decodeChunk(chunk) : null));
      const rows = chunks.flatMap((chunk) => chunk ?? []).sort((a, b) => a.slug.localeCompare(b.slug));
      return { meta, chunks, rows };
    },
    /** Changes to repository records not yet deleted from the change list (folded in or not: see `at`). */
    pendingChanges: () => readAll(keys.changePrefix(), ChangeMarker),
    /**
     * Deletes folded change markers one key at a time, 20 at once: a delete is one write unit of the 4,000 a minute,
     * where a batch delete would spend one of the 45 batch operations a minute. One that stays expires within a day.
     */
    async clearChanges(markerKeys: readonly string[]): Promise<void> {
      for (let i = 0; i < markerKeys.length; i += 20) await Promise.all(markerKeys.slice(i, i + 20).map((key) => kvs.delete(key)));
    },
    /**
     * Writes the chunks that changed (all of them under a new generation), then the meta, then deletes the chunks
     * of a generation the meta no longer names: a reader sees the old summary or the new one, never a mix of layouts.
     */
    async putSummary(meta: Omit<SummaryMeta, 'chunks' | 'generation'>, layout: SummaryLayout): Promise<void> {
      const items = layout.chunks.flatMap((rows, i) =>
        layout.changed.has(i) ? [{ key: keys.summaryChunk(layout.generation, i), value: encodeChunk(rows) }] : [],
      );
      // One set a chunk, 20 at once: the units are those of a batch, without spending the minute's batch operations.
      for (let i = 0; i < items.length; i += PARALLEL_READS)
        await Promise.all(items.slice(i, i + PARALLEL_READS).map((item) => kvs.set(item.key, item.value)));
      await kvs.set(keys.summaryMeta(), { ...meta, chunks: layout.chunks.length, generation: layout.generation });
      const stale = layout.replaces;
      if (stale && stale.generation !== layout.generation)
        for (let i = 0; i < stale.chunks; i += BATCH_KEYS)
          await kvs.batchDelete(
            Array.from({ length: Math.min(BATCH_KEYS, stale.chunks - i) }, (_, j) => ({ key: keys.summaryChunk(stale.generation, i + j) })),
          );
    },
    /** Runs a rebuild under the summary's lease (two rebuilds at once would each fold in part and lose the rest). */
    async withSummaryLease<T>(rebuild: () => Promise<T>): Promise<T> {
      const lease = keys.summaryLease();
      await takeLease(lease);
      try {
        return await rebuild();
      } finally {
        await kvs.delete(lease);
      }
    },
  };
}

/** Which chunks a summary write writes: `changed` ones of `generation`, and the generation it replaces, if any. */
export interface SummaryLayout {
  generation: string;
  chunks: IndexRow[][];
  changed: ReadonlySet<number>;
  replaces: { generation: string; chunks: number } | null;
}

/** A people chunk holds at most this many bytes of JSON (under the 240 KiB value limit). */
const PEOPLE_CHUNK_BYTES = 200 * 1024;

/** Display names of the workspace's people (records.ts `PeopleChunk`). */
function peopleStore() {
  /** Every known name by account id; empty when none was read yet. */
  const getPeople = async (): Promise<Map<string, string>> => {
    const meta = await read(keys.peopleMeta(), PeopleMeta);
    if (!meta) return new Map();
    const chunks = await readEach(
      Array.from({ length: meta.chunks }, (_, i) => keys.peopleChunk(i)),
      PeopleChunk,
    );
    return new Map(chunks.flatMap((chunk) => Object.entries(chunk?.people ?? {})));
  };
  return {
    getPeople,
    /**
     * Merges names into the directory (a name read later replaces an older one; nobody is removed, so history and
     * evidence keep naming people who left) and writes it only when something changed. Two merges at once can
     * lose one's new names until its next run: names are a convenience, never evidence.
     */
    async addPeople(names: ReadonlyMap<string, string>, at: Date): Promise<boolean> {
      const current = await getPeople();
      const changed = [...names].filter(([id, name]) => name.trim() !== '' && current.get(id) !== name);
      if (changed.length === 0) return false;
      for (const [id, name] of changed) current.set(id, name.slice(0, 200));
      const chunks: Array<Record<string, string>> = [{}];
      let size = 0;
      for (const [id, name] of [...current].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const bytes = id.length + name.length + 8;
        if (size + bytes > PEOPLE_CHUNK_BYTES) {
          chunks.push({});
          size = 0;
        }
        const last = chunks[chunks.length - 1];
        if (last) last[id] = name;
        size += bytes;
      }
      for (const [i, people] of chunks.entries()) await kvs.set(keys.peopleChunk(i), { people });
      await kvs.set(keys.peopleMeta(), { chunks: chunks.length, updatedAt: at.toISOString() });
      return true;
    },
  };
}

/** The errors Bitbucket answered with, a week of them (the Health tab). */
function failureStore() {
  return {
    /** Keeps each for 7 days (a TTL), one write each, 20 at once; a log that cannot be written is only a log. */
    async recordFailures(failures: readonly FailureRecord[]): Promise<void> {
      await Promise.all(
        failures.map((failure) =>
          kvs.set(keys.failure(failure.at, Math.random().toString(36).slice(2, 10)), FailureRecord.parse(failure), {
            ttl: { value: 7, unit: 'DAYS' },
          }),
        ),
      );
    },
    /** The kept errors, newest first, at most `limit` (10 query pages read at most). */
    async recentFailures(limit: number): Promise<FailureRecord[]> {
      const entries = await readAll(keys.failurePrefix(), FailureRecord, { maxPages: 10 });
      return entries
        .map((entry) => entry.value)
        .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
        .slice(0, limit);
    },
  };
}

/** The policy and the scan bookkeeping. */
function settingsStore() {
  return {
    /** The stored policy, or the defaults when none was saved (or the stored one no longer parses). */
    async getPolicy(): Promise<Policy> {
      return (await read(keys.policy(), Policy)) ?? Policy.parse({});
    },
    async putPolicy(policy: Policy): Promise<void> {
      await kvs.set(keys.policy(), Policy.parse(policy));
    },
    async getScan(): Promise<ScanState> {
      return (await read(keys.scan(), ScanState)) ?? ScanState.parse({});
    },
    /** Scan bookkeeping is a single writer's (the planner's), except the fields `markScan` sets. */
    async putScan(state: ScanState): Promise<void> {
      await kvs.set(keys.scan(), state);
    },
    /**
     * Claims a Re-check of a repository for 10 minutes: null when it was free (and is now taken), else when
     * the last one was made. The claim expires by itself (a TTL), so nothing needs cleaning up.
     */
    async claimRecheck(repositoryUuid: string, at: string): Promise<string | null> {
      const key = keys.recheck(repositoryUuid);
      const last = await kvs.get(key);
      if (typeof last === 'string') return last;
      await kvs.set(key, at, { ttl: { value: 10, unit: 'MINUTES' } });
      return null;
    },
    async getEvidencePeriod(): Promise<EvidencePeriodState | undefined> {
      return read(keys.evidencePeriod(), EvidencePeriodState);
    },
    async putEvidencePeriod(state: EvidencePeriodState): Promise<void> {
      await kvs.set(keys.evidencePeriod(), EvidencePeriodState.parse(state));
    },
    /** Keeps a download grant for 10 minutes (a TTL): nothing needs cleaning up if it is never used. */
    async putDownloadGrant(tokenHash: string, grant: DownloadGrant): Promise<void> {
      await kvs.set(keys.downloadGrant(tokenHash), DownloadGrant.parse(grant), { ttl: { value: 10, unit: 'MINUTES' } });
    },
    /** The grant, removed as it is read: a link works once. Undefined when unknown, used or unreadable. */
    async takeDownloadGrant(tokenHash: string): Promise<DownloadGrant | undefined> {
      const key = keys.downloadGrant(tokenHash);
      const grant = await read(key, DownloadGrant);
      if (grant) await kvs.delete(key);
      return grant;
    },
    async markScan(change: Partial<ScanState>): Promise<ScanState> {
      const next = { ...((await read(keys.scan(), ScanState)) ?? ScanState.parse({})), ...change };
      await kvs.set(keys.scan(), next);
      return next;
    },
  };
}

/** The installation's storage, typed and validated on every read: one object of small, separate parts. */
export function createStore() {
  return {
    ...repositoriesStore(),
    ...pullRequestsStore(),
    ...evidenceStore(),
    ...historyStore(),
    ...workspaceStore(),
    ...summaryStore(),
    ...settingsStore(),
    ...peopleStore(),
    ...failureStore(),
    ...accessReviewStore(),
    ...flowStore(),
    ...flowSyncStore(),
  };
}
export type Store = ReturnType<typeof createStore>;

function isNewer(current: RepositoryRecord, candidate: RepositoryRecord): boolean {
  const stamp = (record: RepositoryRecord) => Date.parse(record.evaluatedAt ?? record.observedAt);
  return stamp(current) > stamp(candidate);
}
