/**
 * The one Bitbucket client. It sits over a request function, so the same code runs on Forge
 * (`api.asApp().requestBitbucket`) and on the local runtime (the same SDK, with the local transport behind
 * it). It owns retries, the request budget and response validation; `paginate.ts` owns `next` links.
 *
 * Retries: 429 honours `Retry-After` when present, otherwise exponential backoff with jitter, because
 * Bitbucket often answers 429 with a text/plain body and no Retry-After (platform-facts §9). 5xx and network
 * errors back off too; other 4xx are final.
 */
import api, { type APIResponse, type RequestProductMethod, type Route } from '@forge/api';
import type { z } from 'zod';
import { BitbucketError, kindForStatus } from './errors';

export type BitbucketRequest = RequestProductMethod;

/** The Forge transport: the app's own identity. Built per invocation, never at module level. */
export function appRequest(): BitbucketRequest {
  return (path, init) => api.asApp().requestBitbucket(path, init);
}

/** Counts requests and refuses to send more than `ceiling` (null: no ceiling). */
export interface RequestBudget {
  readonly ceiling: number | null;
  used: number;
}

export function createBudget(ceiling: number | null = null): RequestBudget {
  return { ceiling, used: 0 };
}

export interface ClientOptions {
  request: BitbucketRequest;
  budget?: RequestBudget;
  /** Attempts per request, first included. */
  maxAttempts?: number;
  /** First backoff step in milliseconds; doubled per attempt, with full jitter. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface BitbucketClient {
  readonly budget: RequestBudget;
  /** GET and parse JSON against `schema`. Throws `BitbucketError`. */
  getJson<S extends z.ZodType>(path: Route, schema: S): Promise<z.infer<S>>;
  /** GET a raw file; `null` on 404 (the file does not exist). */
  getText(path: Route): Promise<string | null>;
}

function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function retryAfterMs(response: APIResponse): number | null {
  const header = response.headers.get('retry-after');
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function isRetryable(status: number): boolean {
  return status === 429 || status >= 500;
}

async function errorDetail(response: APIResponse): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string') return body.error.message.slice(0, 300);
  } catch {
    // Not JSON: 429s and proxies answer text/plain.
  }
  return text.slice(0, 200).trim();
}

export function createBitbucketClient(options: ClientOptions): BitbucketClient {
  const budget = options.budget ?? createBudget();
  const maxAttempts = options.maxAttempts ?? 4;
  const base = options.backoffBaseMs ?? 1000;
  const cap = options.backoffMaxMs ?? 30_000;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;

  async function send(path: Route, accept: string): Promise<APIResponse> {
    let lastError: BitbucketError | null = null;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (budget.ceiling !== null && budget.used >= budget.ceiling) {
        throw new BitbucketError('budget-exhausted', path.value, null, `${budget.used} requests used`);
      }
      budget.used++;
      let response: APIResponse;
      try {
        response = await options.request(path, { headers: { Accept: accept } });
      } catch (error) {
        lastError = new BitbucketError('upstream', path.value, null, error instanceof Error ? error.message : String(error));
        if (attempt < maxAttempts) await sleep(backoff(attempt));
        continue;
      }
      if (response.ok) return response;
      if (!isRetryable(response.status) || attempt === maxAttempts) {
        throw new BitbucketError(kindForStatus(response.status), path.value, response.status, await errorDetail(response));
      }
      const hinted = response.status === 429 ? retryAfterMs(response) : null;
      lastError = new BitbucketError(kindForStatus(response.status), path.value, response.status, await errorDetail(response));
      await sleep(hinted ?? backoff(attempt));
    }
    throw lastError ?? new BitbucketError('upstream', path.value, null, 'no attempt was made');
  }

  function backoff(attempt: number): number {
    // Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): spreads retries of parallel
    // consumers so they do not hit the rate limit again in step.
    const ceiling = Math.min(cap, base * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }

  return {
    budget,
    async getJson(path, schema) {
      const response = await send(path, 'application/json');
      const text = await response.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new BitbucketError('malformed', path.value, response.status, 'the body is not JSON');
      }
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue ? issue.path.join('.') || '(root)' : '(root)';
        throw new BitbucketError('malformed', path.value, response.status, `${where}: ${issue?.message ?? 'invalid'}`);
      }
      return parsed.data;
    },
    async getText(path) {
      try {
        const response = await send(path, 'text/plain');
        return await response.text();
      } catch (error) {
        if (error instanceof BitbucketError && error.kind === 'not-found') return null;
        throw error;
      }
    },
  };
}
