/**
 * A small port over `@forge/kvs`: typed reads (parsed, never trusted) and writes under keys from keys.ts.
 * Built per invocation; holds no state of its own.
 */
import { kvs, WhereConditions } from '@forge/kvs';
import type { z } from 'zod';
import { keys } from './keys';
import { PullRequestRecord, RepositoryRecord, ScanRecord } from './records';
import { Policy } from '../policy/policy';

async function read<S extends z.ZodType>(key: string, schema: S): Promise<z.infer<S> | undefined> {
  const raw: unknown = await kvs.get(key);
  if (raw === undefined) return undefined;
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/** All values under a prefix, following KVS cursors (at most 20 per page, platform-facts §7). */
async function readAll<S extends z.ZodType>(prefix: string, schema: S, maxPages = 1000): Promise<z.infer<S>[]> {
  const out: z.infer<S>[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    let query = kvs.query().where('key', WhereConditions.beginsWith(prefix)).limit(20);
    if (cursor) query = query.cursor(cursor);
    const { results, nextCursor } = await query.getMany<unknown>();
    for (const result of results) {
      const parsed = schema.safeParse(result.value);
      if (parsed.success) out.push(parsed.data);
    }
    if (!nextCursor) break;
    cursor = nextCursor;
  }
  return out;
}

export function createStore() {
  return {
    getRepository: (uuid: string) => read(keys.repository(uuid), RepositoryRecord),
    listRepositories: () => readAll(keys.repositoryPrefix(), RepositoryRecord),
    /** Writes unless the stored observation is newer (out-of-order events never roll state back). */
    async putRepository(record: RepositoryRecord): Promise<boolean> {
      const current = await read(keys.repository(record.uuid), RepositoryRecord);
      if (current && Date.parse(current.observedAt) > Date.parse(record.observedAt)) return false;
      await kvs.set(keys.repository(record.uuid), record);
      return true;
    },
    async deleteRepository(uuid: string): Promise<void> {
      await kvs.delete(keys.repository(uuid));
    },
    getPullRequest: (repositoryUuid: string, id: number) => read(keys.pullRequest(repositoryUuid, id), PullRequestRecord),
    async putPullRequest(record: PullRequestRecord): Promise<boolean> {
      const key = keys.pullRequest(record.repositoryUuid, record.id);
      const current = await read(key, PullRequestRecord);
      if (current && Date.parse(current.evaluatedAt) > Date.parse(record.evaluatedAt)) return false;
      await kvs.set(key, record);
      return true;
    },
    listPullRequests: (repositoryUuid: string) => readAll(keys.pullRequestPrefix(repositoryUuid), PullRequestRecord),
    async deletePullRequest(repositoryUuid: string, id: number): Promise<void> {
      await kvs.delete(keys.pullRequest(repositoryUuid, id));
    },
    /** The stored policy, or the defaults when none was saved (or the stored one no longer parses). */
    async getPolicy(): Promise<Policy> {
      return (await read(keys.policy(), Policy)) ?? Policy.parse({});
    },
    getScan: () => read(keys.scan(), ScanRecord),
    async putScan(record: ScanRecord): Promise<void> {
      await kvs.set(keys.scan(), record);
    },
  };
}
export type Store = ReturnType<typeof createStore>;
