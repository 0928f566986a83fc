/** Typed reads from `@forge/kvs`: a value parsed against its schema (never trusted), or every value under a prefix. */
import { kvs, WhereConditions } from '@forge/kvs';
import type { z } from 'zod';
import { now, sleep } from '../lib/clock';

export const QUERY_PAGE = 100;

export async function read<S extends z.ZodType>(key: string, schema: S): Promise<z.infer<S> | undefined> {
  const raw: unknown = await kvs.get(key);
  if (raw === undefined) return undefined;
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Every value under a prefix, following cursors, 100 a page (the documented maximum: "Limit for list query
 * should be below 100", https://developer.atlassian.com/platform/forge/storage-reference/handling-errors-kvs/).
 * KVS documents no order for query results, so callers sort what they need sorted.
 */
export async function readAll<S extends z.ZodType>(
  prefix: string,
  schema: S,
  options: { maxPages?: number } = {},
): Promise<Array<{ key: string; value: z.infer<S> }>> {
  const out: Array<{ key: string; value: z.infer<S> }> = [];
  let cursor: string | undefined;
  for (let page = 0; page < (options.maxPages ?? 5000); page++) {
    let query = kvs.query().where('key', WhereConditions.beginsWith(prefix)).limit(QUERY_PAGE);
    if (cursor) query = query.cursor(cursor);
    const { results, nextCursor } = await query.getMany<unknown>();
    for (const result of results) {
      const parsed = schema.safeParse(result.value);
      if (parsed.success) out.push({ key: result.key, value: parsed.data });
    }
    if (!nextCursor) break;
    cursor = nextCursor;
  }
  return out;
}

/** KVS bills reads in 10 KB units, 4,000 a minute per installation (https://developer.atlassian.com/platform/forge/limits-kvs-ce/). */
const UNIT_BYTES = 10 * 1024;

/**
 * Every value under a prefix, as `readAll`, spending at most `unitsPerMinute` read units a minute: past it, the
 * read waits for the next minute. For background work that reads a lot (the delivery rollup at 10,000
 * repositories reads several times the minute's limit), so events and resolvers keep their share.
 */
export async function readAllPaced<S extends z.ZodType>(
  prefix: string,
  schema: S,
  pace: { unitsPerMinute: number },
): Promise<Array<{ key: string; value: z.infer<S> }>> {
  const out: Array<{ key: string; value: z.infer<S> }> = [];
  let cursor: string | undefined;
  let minute = { start: now().getTime(), units: 0 };
  for (;;) {
    let query = kvs.query().where('key', WhereConditions.beginsWith(prefix)).limit(QUERY_PAGE);
    if (cursor) query = query.cursor(cursor);
    const { results, nextCursor } = await query.getMany<unknown>();
    minute.units += Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(results)) / UNIT_BYTES));
    for (const result of results) {
      const parsed = schema.safeParse(result.value);
      if (parsed.success) out.push({ key: result.key, value: parsed.data });
    }
    if (!nextCursor) return out;
    cursor = nextCursor;
    if (minute.units >= pace.unitsPerMinute) {
      await sleep(Math.max(0, minute.start + 60_000 - now().getTime()));
      minute = { start: now().getTime(), units: 0 };
    }
  }
}
