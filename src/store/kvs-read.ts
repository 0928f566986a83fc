/** Typed reads from `@forge/kvs`: a value parsed against its schema (never trusted), or every value under a prefix. */
import { kvs, WhereConditions } from '@forge/kvs';
import type { z } from 'zod';

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
