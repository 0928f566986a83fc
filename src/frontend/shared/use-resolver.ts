/**
 * Loads one resolver call and tracks its state, so every module shows loading, error (with retry) and
 * data states the same way. The envelope is parsed, not trusted.
 */
import { invoke } from '@forge/bridge';
import { useCallback, useEffect, useState } from 'react';
import { z } from 'zod';
import { RESOLVERS, type ResolverInput, type ResolverKey, type ResolverOutput } from '../../contract/resolvers';

export type Load<T> = { state: 'loading' } | { state: 'error'; message: string; code?: string } | { state: 'ready'; data: T };

/** The resolvers' envelope (src/handlers/resolvers/envelope.ts), checked on arrival. */
const Answer = z.union([
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);
export type Answer = z.infer<typeof Answer>;

const UNEXPECTED_MESSAGE = 'Attest answered in an unexpected shape.';

/** An answer whose data is parsed with the key's schema from the contract (src/contract/resolvers.ts). */
export type TypedAnswer<K extends ResolverKey> = { ok: true; data: ResolverOutput<K> } | Extract<Answer, { ok: false }>;

const UNEXPECTED = { ok: false as const, error: { code: 'UNEXPECTED', message: UNEXPECTED_MESSAGE } };

/** Calls a resolver and parses its envelope and data; an answer of another shape becomes an error answer. */
export async function callResolver<K extends ResolverKey>(key: K, payload: ResolverInput<K>): Promise<TypedAnswer<K>> {
  const parsed = Answer.safeParse(await invoke(key, payload));
  if (!parsed.success) return UNEXPECTED;
  if (!parsed.data.ok) return parsed.data;
  const data = RESOLVERS[key].output.safeParse(parsed.data.data);
  return data.success ? { ok: true, data: data.data as ResolverOutput<K> } : UNEXPECTED;
}

export function useResolver<K extends ResolverKey>(
  key: K,
  payload: ResolverInput<K>,
): { load: Load<ResolverOutput<K>>; reload: () => void } {
  type T = ResolverOutput<K>;
  const [load, setLoad] = useState<Load<T>>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const payloadKey = JSON.stringify(payload);
  useEffect(() => {
    let live = true;
    setLoad({ state: 'loading' });
    callResolver(key, JSON.parse(payloadKey) as ResolverInput<K>)
      .then((response) => {
        if (!live) return;
        setLoad(
          response.ok
            ? { state: 'ready', data: response.data }
            : { state: 'error', message: response.error.message, code: response.error.code },
        );
      })
      .catch((error: unknown) => {
        if (live) setLoad({ state: 'error', message: error instanceof Error ? error.message : 'Attest could not be reached.' });
      });
    return () => {
      live = false;
    };
  }, [key, payloadKey, attempt]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { load, reload };
}
