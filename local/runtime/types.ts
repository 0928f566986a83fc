/** What the local runtime's parts share: installations, invocations, queued events and invocation scopes. */
import type { LocalKvs } from './kvs';

export interface InvocationRecord {
  id: string;
  functionKey: string;
  module: string;
  workspaceUuid: string | null;
  at: number;
  durationMs: number;
  outcome: 'ok' | 'error' | 'timeout' | 'retry';
  error?: string;
}

/** Which function an invocation runs, as which module, for which installation (none: tooling). */
export interface InvocationTarget {
  functionKey: string;
  module: string;
  installation: Installation | null;
}

export type Invoke = (target: InvocationTarget, event: unknown) => Promise<{ record: InvocationRecord; result: unknown }>;

export interface QueuedEvent {
  eventId: string;
  /** A product event being redelivered to a trigger after it asked for a retry; queue events have none. */
  trigger?: { function: string; module: string };
  queueName: string;
  jobId: string;
  body: unknown;
  deliverAt: number;
  /** Where the event stands among ready ones: its planned time, when delays are skipped. */
  order?: number;
  retryCount: number;
  retryReason?: string;
  retryData?: unknown;
  sequence: number;
}

export interface Installation {
  id: string;
  workspaceUuid: string;
  kvs: LocalKvs;
  queue: QueuedEvent[];
  pushedAt: number[];
  dropped: QueuedEvent[];
  /** Push faults to inject: events refused inside an otherwise accepted push (202), whole pushes refused (429). */
  pushFaults: { refuseEvents: number; rateLimitPushes: number };
  /**
   * The licence Forge puts in every function's context (`license`: `active`, `isEvaluation`, …), or none, as in
   * development and staging environments (https://developer.atlassian.com/platform/forge/function-reference/arguments/).
   */
  license?: { active: boolean; isActive: boolean; isEvaluation: boolean | null; subscriptionEndDate: string | null };
}

export interface Scope {
  installation: Installation;
  invocationId: string;
  functionKey: string;
  deadline: number;
  /** The user a UI resolver was invoked by (`principal.accountId` of the runtime payload); null elsewhere. */
  principal: string | null;
  /** `asUser()` works only in UI resolvers (platform: https://developer.atlassian.com/platform/forge/apis-reference/fetch-api-product.requestbitbucket/). */
  asUserAllowed: boolean;
  /** Set when the invocation ran out of time: Forge has stopped the function, so its later calls fail. */
  timedOut: boolean;
}

/** What a function returns to ask the platform to deliver its event again (`InvocationError` of @forge/events). */
export type RetryRequest = { _retry: true; retryOptions?: { retryAfter?: number; retryReason?: string; retryData?: unknown } };

export function isRetryRequest(value: unknown): value is RetryRequest {
  return typeof value === 'object' && value !== null && (value as { _retry?: unknown })._retry === true;
}

export function json(status: number, body: unknown): Response {
  return new Response(body === null ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
