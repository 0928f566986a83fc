/**
 * The one Bitbucket client. It sits over a request function, so the same code runs on Forge
 * (`api.asApp().requestBitbucket`) and on the local runtime (the same SDK, with the local transport behind
 * it). It owns retries, the request budget and response validation; `paginate.ts` owns `next` links.
 *
 * Retries: 429 honours `Retry-After` when present, otherwise exponential backoff with jitter, because
 * Bitbucket often answers 429 with a text/plain body and no Retry-After (docs/platform-facts.md §9). 5xx and network
 * errors back off too; other 4xx are final.
 */
import api, { type APIResponse, type RequestInit, type Route } from '@forge/api';
import type { z } from 'zod';
import { BitbucketError, isConsentRequired, kindForStatus } from './errors';
import { sleep as clockSleep } from '../lib/clock';

/** What `api.asApp()` and `api.asUser()` offer for Bitbucket. */
export interface BitbucketPort {
  requestBitbucket(path: Route, init?: RequestInit): Promise<APIResponse>;
}

/**
 * One request, written as `(bitbucket) => bitbucket.requestBitbucket(route`…`)` at the call site. The inline
 * `requestBitbucket(route`…`)` is what @forge/lint's permission linter recognises to check each endpoint
 * against the manifest scopes (measured: a route built elsewhere and passed in is not checked).
 */
export type BitbucketCall = (bitbucket: BitbucketPort) => Promise<APIResponse>;

/** The Forge transport: the app's own identity. Built per invocation, never at module level. */
export function appRequest(): BitbucketPort {
  return api.asApp();
}

/** Counts requests and refuses to send more than `ceiling` (null: no ceiling). */
export interface RequestBudget {
  readonly ceiling: number | null;
  used: number;
  /** Requests claimed from the installation's hourly ledger and not sent yet. */
  allowance: number;
  /** When the ledger last refused a claim: when it expects room (epoch milliseconds). */
  roomAt: number | null;
  /** Bitbucket said `X-RateLimit-NearLimit: true` on a scaled endpoint (https://support.atlassian.com/bitbucket-cloud/docs/api-request-limits/). */
  nearLimit: boolean;
}

export function createBudget(ceiling: number | null = null): RequestBudget {
  return { ceiling, used: 0, allowance: 0, roomAt: null, nearLimit: false };
}

/**
 * The installation's hourly request ledger as a client sees it (services/request-ledger.ts): requests are
 * claimed in chunks before they are sent; a refused claim means the hour's share for this kind of work is spent.
 */
export interface RequestLedgerPort {
  /** Granted, or refused with when room is expected (null: not known). */
  claim(requests: number): Promise<{ granted: boolean; roomAt: number | null }>;
  /** Gives back requests claimed and not sent. */
  release(requests: number): Promise<void>;
  /** Requests claimed at a time: about what one invocation of this kind sends. */
  readonly chunk: number;
}

export interface ClientOptions {
  request: BitbucketPort;
  budget?: RequestBudget;
  /** Every request is claimed from it before it is sent; absent for the person's own requests (asUser) and the CLI. */
  ledger?: RequestLedgerPort;
  /** Attempts per request, first included. */
  maxAttempts?: number;
  /** First backoff step in milliseconds; doubled per attempt, with full jitter. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Told of every error Bitbucket answered with (after the retries), for the Health tab's log; not our own refusals. */
  onFailure?: (error: BitbucketError) => void;
}

export interface BitbucketClient {
  readonly budget: RequestBudget;
  /** Claims the first chunk from the ledger up front: false when the hour's share is spent (true without a ledger). */
  reserve(): Promise<boolean>;
  /** Gives back to the ledger what was claimed and not sent: the invocation's last word on Bitbucket. */
  settle(): Promise<void>;
  /** GET and parse JSON against `schema`. Throws `BitbucketError`. */
  getJson<S extends z.ZodType>(call: BitbucketCall, schema: S): Promise<z.infer<S>>;
  /** GET a raw file; `null` on 404 (the file does not exist). */
  getText(call: BitbucketCall): Promise<string | null>;
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

/** The client's options with their defaults filled in. */
interface Settings {
  request: ClientOptions['request'];
  budget: RequestBudget;
  ledger: RequestLedgerPort | null;
  maxAttempts: number;
  sleep: (ms: number) => Promise<void>;
  backoff: (attempt: number) => number;
}

interface Sent {
  response: APIResponse;
  path: string;
}

/** Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): parallel consumers do not retry in step. */
function jitteredBackoff(options: ClientOptions): (attempt: number) => number {
  const base = options.backoffBaseMs ?? 1000;
  const cap = options.backoffMaxMs ?? 30_000;
  const random = options.random ?? Math.random;
  return (attempt) => {
    const ceiling = Math.min(cap, base * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  };
}

/** Claims a chunk from the ledger when what was claimed is used up; false when the ledger refuses. */
async function claimed(settings: Settings): Promise<boolean> {
  const { budget, ledger } = settings;
  if (ledger === null || budget.allowance > 0) return true;
  const answer = await ledger.claim(ledger.chunk);
  if (!answer.granted) {
    budget.roomAt = answer.roomAt;
    return false;
  }
  budget.allowance += ledger.chunk;
  return true;
}

/** The port each attempt sees: it records the path, spends the budget (and the hour's ledger) and sets Accept. */
function portFor(settings: Settings, accept: string, seen: { path: string }): BitbucketPort {
  const { budget } = settings;
  return {
    async requestBitbucket(route: Route, init?: RequestInit) {
      seen.path = route.value;
      if (budget.ceiling !== null && budget.used >= budget.ceiling) {
        throw new BitbucketError('budget-exhausted', seen.path, null, `${budget.used} requests used`);
      }
      if (!(await claimed(settings))) {
        throw new BitbucketError('hour-spent', seen.path, null, `${budget.used} requests sent by this invocation`);
      }
      if (settings.ledger !== null) budget.allowance--;
      budget.used++;
      return settings.request.requestBitbucket(route, { ...init, headers: { Accept: accept, ...init?.headers } });
    },
  };
}

async function send(settings: Settings, call: BitbucketCall, accept: string): Promise<Sent> {
  let lastError: BitbucketError | null = null;
  const seen = { path: '(unknown)' };
  const port = portFor(settings, accept, seen);
  for (let attempt = 1; attempt <= settings.maxAttempts; attempt++) {
    let response: APIResponse;
    try {
      response = await call(port);
    } catch (error) {
      if (error instanceof BitbucketError) throw error;
      // asUser without the user's consent: Forge must see this error to prompt for it (https://developer.atlassian.com/platform/forge/apis-reference).
      if (isConsentRequired(error)) throw error;
      lastError = new BitbucketError('upstream', seen.path, null, error instanceof Error ? error.message : String(error));
      if (attempt < settings.maxAttempts) await settings.sleep(settings.backoff(attempt));
      continue;
    }
    if (response.headers.get('x-ratelimit-nearlimit') === 'true') settings.budget.nearLimit = true;
    if (response.ok) return { response, path: seen.path };
    const failure = new BitbucketError(kindForStatus(response.status), seen.path, response.status, await errorDetail(response));
    if (!isRetryable(response.status) || attempt === settings.maxAttempts) throw failure;
    lastError = failure;
    const hinted = response.status === 429 ? retryAfterMs(response) : null;
    await settings.sleep(hinted ?? settings.backoff(attempt));
  }
  throw lastError ?? new BitbucketError('upstream', seen.path, null, 'no attempt was made');
}

async function parseJson<S extends z.ZodType>({ response, path }: Sent, schema: S): Promise<z.infer<S>> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BitbucketError('malformed', path, response.status, 'the body is not JSON');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') || '(root)' : '(root)';
    throw new BitbucketError('malformed', path, response.status, `${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Errors Bitbucket gave (statuses, faults, bodies that do not parse) are reported; our own refusals are not. */
const OWN_REFUSALS: ReadonlySet<string> = new Set(['hour-spent', 'budget-exhausted', 'internal']);

function report(options: ClientOptions, error: unknown): void {
  if (error instanceof BitbucketError && !OWN_REFUSALS.has(error.kind)) options.onFailure?.(error);
}

export function createBitbucketClient(options: ClientOptions): BitbucketClient {
  const settings: Settings = {
    request: options.request,
    budget: options.budget ?? createBudget(),
    ledger: options.ledger ?? null,
    maxAttempts: options.maxAttempts ?? 4,
    sleep: options.sleep ?? clockSleep,
    backoff: jitteredBackoff(options),
  };
  return {
    budget: settings.budget,
    reserve: () => claimed(settings),
    async settle() {
      const { budget, ledger } = settings;
      if (ledger === null) return;
      // Called with nothing unused too: a claim still being written (a merge check's) is awaited there.
      const unused = Math.max(0, budget.allowance);
      budget.allowance = 0;
      await ledger.release(unused);
    },
    async getJson(call, schema) {
      try {
        return await parseJson(await send(settings, call, 'application/json'), schema);
      } catch (error) {
        report(options, error);
        throw error;
      }
    },
    async getText(call) {
      try {
        const { response } = await send(settings, call, 'text/plain');
        return await response.text();
      } catch (error) {
        // A file that does not exist is an answer here (no bitbucket-pipelines.yml), not a failure to log.
        if (error instanceof BitbucketError && error.kind === 'not-found') return null;
        report(options, error);
        throw error;
      }
    },
  };
}
