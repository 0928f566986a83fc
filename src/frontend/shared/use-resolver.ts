/**
 * Loads one resolver call and tracks its state, so every module shows loading, error (with retry) and
 * data states the same way. The envelope is parsed, not trusted.
 */
import { invoke } from '@forge/bridge';
import { useCallback, useEffect, useState } from 'react';

export type Load<T> =
  | { state: 'loading' }
  | { state: 'error'; message: string }
  | { state: 'ready'; data: T };

function isEnvelope(value: unknown): value is { ok: boolean; data?: unknown; error?: { message?: unknown } } {
  return typeof value === 'object' && value !== null && 'ok' in value;
}

export function useResolver<T>(key: string, payload: Record<string, unknown>, accept: (data: unknown) => T | null): { load: Load<T>; reload: () => void } {
  const [load, setLoad] = useState<Load<T>>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const payloadKey = JSON.stringify(payload);
  useEffect(() => {
    let live = true;
    setLoad({ state: 'loading' });
    invoke(key, JSON.parse(payloadKey) as Record<string, unknown>)
      .then((response) => {
        if (!live) return;
        if (!isEnvelope(response)) return setLoad({ state: 'error', message: 'Attest answered in an unexpected shape.' });
        if (!response.ok) {
          const message = typeof response.error?.message === 'string' ? response.error.message : 'Attest could not load this data.';
          return setLoad({ state: 'error', message });
        }
        const data = accept(response.data);
        setLoad(data === null ? { state: 'error', message: 'Attest answered in an unexpected shape.' } : { state: 'ready', data });
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
