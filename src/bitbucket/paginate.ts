/**
 * The only place that follows `next` links. Bitbucket's envelope is `{pagelen, values, next?, size?, page?}`;
 * `next` is opaque and absolute, so it is turned back into a Route with `routeFromAbsolute` (the Forge idiom).
 * A page cap bounds every walk; hitting it is reported as `truncated`, never silently.
 */
import { routeFromAbsolute } from '@forge/api';
import { z } from 'zod';
import type { BitbucketCall, BitbucketClient } from './client';

export function Page<T extends z.ZodType>(item: T) {
  return z.object({
    values: z.array(item),
    next: z.string().optional(),
    size: z.number().optional(),
  });
}

export interface Paginated<T> {
  values: T[];
  /** True when the cap stopped the walk before the last page. */
  truncated: boolean;
  pages: number;
}

export interface PageLimits<V> {
  /** Pages read at most (default 50); past it the walk is reported `truncated`. */
  maxPages?: number;
  /** Stop after the page on which this holds for an item (lists sorted newest first, read back to a date). */
  stopAfter?: (value: V) => boolean;
}

export async function paginate<T extends z.ZodType>(
  client: BitbucketClient,
  first: BitbucketCall,
  item: T,
  limits: PageLimits<z.infer<T>> = {},
): Promise<Paginated<z.infer<T>>> {
  const { maxPages = 50, stopAfter } = limits;
  const schema = Page(item);
  const values: z.infer<T>[] = [];
  let call: BitbucketCall | null = first;
  let pages = 0;
  while (call !== null) {
    if (pages >= maxPages) return { values, truncated: true, pages };
    const page: z.infer<typeof schema> = await client.getJson(call, schema);
    pages++;
    const items = page.values as z.infer<T>[];
    values.push(...items);
    if (stopAfter && items.some(stopAfter)) break;
    const next = page.next;
    call = next ? (bitbucket) => bitbucket.requestBitbucket(routeFromAbsolute(next)) : null;
  }
  return { values, truncated: false, pages };
}
