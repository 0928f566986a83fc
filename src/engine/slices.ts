/** A read turned into a slice: the data, or the typed error that stopped it (src/controls/types.ts `Slice`). */
import { BitbucketError } from '../bitbucket/errors';
import type { Slice } from '../controls/types';

export async function slice<T>(read: () => Promise<T>, label: string): Promise<Slice<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    if (error instanceof BitbucketError) return { ok: false, error };
    return { ok: false, error: new BitbucketError('internal', label, null, error instanceof Error ? error.message : String(error)) };
  }
}

export async function listSlice<T>(read: () => Promise<{ values: T[]; truncated: boolean }>, label: string): Promise<Slice<T[]>> {
  const result = await slice(read, label);
  return result.ok ? { ok: true, value: result.value.values, truncated: result.value.truncated } : result;
}
