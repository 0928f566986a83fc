/**
 * Loads one resolver call and tracks its state, so every module shows loading, error (with retry) and
 * data states the same way. The envelope is parsed, not trusted.
 */
import { invoke } from '@forge/bridge';
import { useCallback, useEffect, useState } from 'react';
import { z } from 'zod';

export type Load<T> = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; data: T };

/** The resolvers' envelope (src/handlers/resolvers/envelope.ts), checked on arrival. */
const Answer = z.union([
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);
export type Answer = z.infer<typeof Answer>;

const UNEXPECTED_MESSAGE = 'Attest answered in an unexpected shape.';

/** Calls a resolver and parses its envelope; an answer of another shape becomes an error answer. */
export async function callResolver(key: string, payload: Record<string, unknown>): Promise<Answer> {
  const parsed = Answer.safeParse(await invoke(key, payload));
  return parsed.success ? parsed.data : { ok: false, error: { code: 'UNEXPECTED', message: UNEXPECTED_MESSAGE } };
}

export function useResolver<T>(
  key: string,
  payload: Record<string, unknown>,
  accept: (data: unknown) => T | null,
): { load: Load<T>; reload: () => void } {
  const [load, setLoad] = useState<Load<T>>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const payloadKey = JSON.stringify(payload);
  useEffect(() => {
    let live = true;
    setLoad({ state: 'loading' });
    callResolver(key, JSON.parse(payloadKey) as Record<string, unknown>)
      .then((response) => {
        if (!live) return;
        if (!response.ok) return setLoad({ state: 'error', message: response.error.message });
        const data = accept(response.data);
        setLoad(data === null ? { state: 'error', message: UNEXPECTED_MESSAGE } : { state: 'ready', data });
      })
      .catch((error: unknown) => {
        if (live) setLoad({ state: 'error', message: error instanceof Error ? error.message : 'Attest could not be reached.' });
      });
    return () => {
      live = false;
    };
    // `accept` is a pure parser: depending on its identity would reload on every render.
  }, [key, payloadKey, attempt]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { load, reload };
}
