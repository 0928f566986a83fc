/**
 * The one resolver response envelope: `{ok: true, data}` or `{ok: false, error: {code, message}}`.
 * Shared by the backend resolvers and the frontends, so both sides agree on its shape.
 */
import { z } from 'zod';

export type ErrorCode = 'INVALID_INPUT' | 'FORBIDDEN' | 'NOT_FOUND' | 'RATE_LIMITED' | 'UPSTREAM' | 'INTERNAL' | 'UNLICENSED';

export type Envelope<T> = { ok: true; data: T } | { ok: false; error: { code: ErrorCode; message: string } };

export function ok<T>(data: T): Envelope<T> {
  return { ok: true, data };
}

export function failure<T = never>(code: ErrorCode, message: string): Envelope<T> {
  return { ok: false, error: { code, message } };
}

/** Parses a payload or names the first field that is wrong. */
export function parsePayload<S extends z.ZodType>(schema: S, payload: unknown): { data: z.infer<S> } | { error: Envelope<never> } {
  const parsed = schema.safeParse(payload ?? {});
  if (parsed.success) return { data: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : 'payload';
  return { error: failure('INVALID_INPUT', `${field}: ${issue?.message ?? 'invalid'}`) };
}
