/**
 * A small port over `@forge/kvs`: typed reads (parsed, never trusted) and writes under keys from keys.ts.
 * Built per invocation; holds no state of its own.
 *
 * Consistency: each repository's state is one key, written whole by the evaluation that read Bitbucket
 * last (an older evaluation never overwrites a newer one), together with its history entries in one
 * transaction. Evidence records are written once (`FAIL_IF_EXISTS`), so duplicate deliveries are no-ops.
 * Shared documents (the summary) are derived from the per-repository keys, never edited in place.
 */
import { ForgeKvsAPIError, kvs, WhereConditions } from '@forge/kvs';
import type { z } from 'zod';
import { keys } from './keys';
import {
  EvidenceRecord,
  HistoryEntry,
  PullRequestRecord,
  RepositoryRecord,
  ScanState,
  SummaryChunk,
  SummaryMeta,
  WorkspaceState,
  type SummaryRow,
} from './records';
import { Policy } from '../policy/policy';

async function read<S extends z.ZodType>(key: string, schema: S): Promise<z.infer<S> | undefined> {
  const raw: unknown = await kvs.get(key);
  if (raw === undefined) return undefined;
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/** Values under a prefix in key order, following cursors (at most 20 a page, platform-facts §7). */
async function readAll<S extends z.ZodType>(prefix: string, schema: S, options: { maxPages?: number; until?: (key: string) => boolean } = {}): Promise<Array<{ key: string; value: z.infer<S> }>> {
  const out: Array<{ key: string; value: z.infer<S> }> = [];
  let cursor: string | undefined;
  for (let page = 0; page < (options.maxPages ?? 5000); page++) {
    let query = kvs.query().where('key', WhereConditions.beginsWith(prefix)).limit(20);
    if (cursor) query = query.cursor(cursor);
    const { results, nextCursor } = await query.getMany<unknown>();
    for (const result of results) {
      if (options.until?.(result.key)) return out;
      const parsed = schema.safeParse(result.value);
      if (parsed.success) out.push({ key: result.key, value: parsed.data });
    }
    if (!nextCursor) break;
    cursor = nextCursor;
  }
  return out;
}

function isAlreadyExists(error: unknown): boolean {
  return error instanceof ForgeKvsAPIError && (error.code === 'KEY_ALREADY_EXISTS' || error.responseDetails.status === 409);
}

/** A summary chunk holds at most this many bytes of JSON (the KVS value limit is 240 KiB). */
export const SUMMARY_CHUNK_BYTES = 200 * 1024;

export function createStore() {
  const store = {
    getRepository: (uuid: string) => read(keys.repository(uuid), RepositoryRecord),
    async listRepositories(): Promise<RepositoryRecord[]> {
      return (await readAll(keys.repositoryPrefix(), RepositoryRecord)).map((entry) => entry.value);
    },

    /**
     * Writes a repository's state unless a newer one is stored (by `evaluatedAt`, then `observedAt`), with
     * its history entries, in one transaction. Returns whether it was written.
     */
    async putRepository(record: RepositoryRecord, history: readonly HistoryEntry[] = []): Promise<boolean> {
      const current = await read(keys.repository(record.uuid), RepositoryRecord);
      if (current && isNewer(current, record)) return false;
      if (history.length === 0) {
        await kvs.set(keys.repository(record.uuid), record);
        return true;
      }
      // A transaction holds at most 25 operations: the state plus up to 24 history entries per write.
      let transaction = kvs.transact().set(keys.repository(record.uuid), record);
      for (const entry of history.slice(0, 24)) transaction = transaction.set(keys.history(entry.at, entry.subject, entry.control), entry);
      await transaction.execute();
      return true;
    },
    async deleteRepository(uuid: string, history?: HistoryEntry): Promise<void> {
      if (history) await kvs.transact().delete(keys.repository(uuid)).set(keys.history(history.at, history.subject, history.control), history).execute();
      else await kvs.delete(keys.repository(uuid));
    },

    getPullRequest: (repositoryUuid: string, id: number) => read(keys.pullRequest(repositoryUuid, id), PullRequestRecord),
    async listPullRequests(repositoryUuid: string): Promise<PullRequestRecord[]> {
      return (await readAll(keys.pullRequestPrefix(repositoryUuid), PullRequestRecord)).map((entry) => entry.value);
    },
    async putPullRequest(record: PullRequestRecord): Promise<boolean> {
      const key = keys.pullRequest(record.repositoryUuid, record.id);
      const current = await read(key, PullRequestRecord);
      if (current && Date.parse(current.evaluatedAt) > Date.parse(record.evaluatedAt)) return false;
      await kvs.set(key, record);
      return true;
    },
    async deletePullRequest(repositoryUuid: string, id: number): Promise<void> {
      await kvs.delete(keys.pullRequest(repositoryUuid, id));
    },

    /** Writes an evidence record once; a second write of the same pull request is a no-op (returns false). */
    async putEvidence(record: EvidenceRecord): Promise<boolean> {
      try {
        await kvs.set(keys.evidence(record.repositoryUuid, record.pullRequestId), record, { keyPolicy: 'FAIL_IF_EXISTS' });
      } catch (error) {
        if (isAlreadyExists(error)) return false;
        throw error;
      }
      // The date index is derived and may be rewritten: a crash between the two writes heals on retry.
      await kvs.set(keys.evidenceByDate(record.mergedAt, record.repositoryUuid, record.pullRequestId), record);
      return true;
    },
    getEvidence: (repositoryUuid: string, id: number) => read(keys.evidence(repositoryUuid, id), EvidenceRecord),
    async listEvidenceForRepository(repositoryUuid: string): Promise<EvidenceRecord[]> {
      return (await readAll(keys.evidencePrefix(repositoryUuid), EvidenceRecord)).map((entry) => entry.value);
    },
    /** Evidence merged in [since, until), by merge time, reading one month prefix at a time. */
    async listEvidenceBetween(since: Date, until: Date): Promise<EvidenceRecord[]> {
      const out: EvidenceRecord[] = [];
      const cursor = new Date(Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), 1));
      while (cursor < until) {
        const month = cursor.toISOString().slice(0, 7);
        for (const { value } of await readAll(keys.evidenceByDatePrefix(month), EvidenceRecord)) {
          const at = Date.parse(value.mergedAt);
          if (at >= since.getTime() && at < until.getTime()) out.push(value);
        }
        cursor.setUTCMonth(cursor.getUTCMonth() + 1);
      }
      return out.sort((a, b) => a.mergedAt.localeCompare(b.mergedAt) || a.repositorySlug.localeCompare(b.repositorySlug) || a.pullRequestId - b.pullRequestId);
    },

    async addHistory(entries: readonly HistoryEntry[]): Promise<void> {
      for (let start = 0; start < entries.length; start += 25) {
        const batch = entries.slice(start, start + 25).map((entry) => ({ key: keys.history(entry.at, entry.subject, entry.control), value: entry }));
        const result = await kvs.batchSet(batch);
        if (result.failedKeys.length > 0) throw new Error(`history entries not written: ${result.failedKeys.map((failed) => failed.error.message).join('; ')}`);
      }
    },
    /** History entries since `since`, newest first, at most `limit` (reads one month prefix at a time). */
    async recentHistory(since: Date, until: Date, limit = 100): Promise<HistoryEntry[]> {
      const out: HistoryEntry[] = [];
      const cursor = new Date(Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), 1));
      while (cursor <= until) {
        for (const { value } of await readAll(keys.historyPrefix(cursor.toISOString().slice(0, 7)), HistoryEntry)) {
          if (value.at >= since.toISOString()) out.push(value);
        }
        cursor.setUTCMonth(cursor.getUTCMonth() + 1);
      }
      return out.reverse().slice(0, limit);
    },
    /** Deletes history older than `before`; returns how many entries went. */
    async pruneHistory(before: string): Promise<number> {
      const old = await readAll(keys.historyPrefix(), HistoryEntry, { until: (key) => key >= keys.historyPrefix(before) });
      for (let start = 0; start < old.length; start += 25) await kvs.batchDelete(old.slice(start, start + 25).map((entry) => ({ key: entry.key })));
      return old.length;
    },

    getWorkspace: () => read(keys.workspace(), WorkspaceState),
    async putWorkspace(state: WorkspaceState): Promise<boolean> {
      const current = await read(keys.workspace(), WorkspaceState);
      if (current && Date.parse(current.evaluatedAt) > Date.parse(state.evaluatedAt)) return false;
      await kvs.set(keys.workspace(), state);
      return true;
    },

    /** The summary without its rows: one KVS read, what the dashboard's first view needs. */
    getSummaryMeta: () => read(keys.summaryMeta(), SummaryMeta),
    /** The summary with every repository's row: the meta, then the chunks in batches of 25 (one call up to 25 chunks, about 40,000 repositories). */
    async getSummary(): Promise<{ meta: SummaryMeta; rows: SummaryRow[] } | undefined> {
      const meta = await read(keys.summaryMeta(), SummaryMeta);
      if (!meta) return undefined;
      const rows: SummaryRow[] = [];
      for (let start = 0; start < meta.chunks; start += 25) {
        const batch = Array.from({ length: Math.min(25, meta.chunks - start) }, (_, i) => ({ key: keys.summaryChunk(start + i) }));
        if (batch.length === 0) break;
        const { successfulKeys } = await kvs.batchGet<unknown>(batch);
        const byKey = new Map(successfulKeys.map((item) => [item.key, item.value]));
        for (const { key } of batch) {
          const parsed = SummaryChunk.safeParse(byKey.get(key));
          if (parsed.success) rows.push(...parsed.data.rows);
        }
      }
      return { meta, rows };
    },
    /** Writes the summary split into chunks under the value limit; the meta is written last. */
    async putSummary(meta: Omit<SummaryMeta, 'chunks'>, rows: readonly SummaryRow[]): Promise<number> {
      const chunks: SummaryRow[][] = [[]];
      let size = 0;
      for (const row of rows) {
        const bytes = Buffer.byteLength(JSON.stringify(row)) + 1;
        if (size + bytes > SUMMARY_CHUNK_BYTES && chunks[chunks.length - 1]!.length > 0) {
          chunks.push([]);
          size = 0;
        }
        chunks[chunks.length - 1]!.push(row);
        size += bytes;
      }
      for (let start = 0; start < chunks.length; start += 25) {
        const result = await kvs.batchSet(chunks.slice(start, start + 25).map((chunkRows, i) => ({ key: keys.summaryChunk(start + i), value: { rows: chunkRows } })));
        if (result.failedKeys.length > 0) throw new Error(`summary not written: ${result.failedKeys.map((failed) => failed.error.message).join('; ')}`);
      }
      await kvs.set(keys.summaryMeta(), { ...meta, chunks: chunks.length });
      return chunks.length;
    },

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
    async markScan(change: Partial<ScanState>): Promise<ScanState> {
      const next = { ...(await store.getScan()), ...change };
      await kvs.set(keys.scan(), next);
      return next;
    },
  };
  return store;
}
export type Store = ReturnType<typeof createStore>;

function isNewer(current: RepositoryRecord, candidate: RepositoryRecord): boolean {
  const stamp = (record: RepositoryRecord) => Date.parse(record.evaluatedAt ?? record.observedAt);
  return stamp(current) > stamp(candidate);
}
