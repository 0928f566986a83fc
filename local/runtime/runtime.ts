/**
 * The local Forge runtime: runs the app's own handlers, routed by the real manifest.yml, with the real
 * `@forge/api`, `@forge/kvs`, `@forge/events` and `@forge/resolver`, by implementing the transport those
 * SDKs call, `global.__forge_fetch__(meta, path, init)` (docs/offline-toolchain.md §6):
 *
 * - product requests (`requestBitbucket`) go to a Bitbucket base URL: the emulator, or the real API with
 *   credentials from the environment;
 * - `/api/v1/…` KVS calls go to a LocalKvs per installation;
 * - `/webhook/queue/publish/…` pushes go to a local queue delivered to the manifest's consumer, at least once.
 *
 * Production code never imports this directory.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import crypto from 'node:crypto';
import path from 'node:path';
import type { Clock, SimClock } from './clock';
import { BitbucketError } from '../../src/bitbucket/errors';
import { LocalKvs, type KvsOptions } from './kvs';
import { INTERVAL_MS, loadManifest, type AppManifest, type UiModule } from './manifest';

export interface BitbucketAuth {
  /** Authorization header value for `asApp()` requests, e.g. `Bearer …` or `Basic …`. */
  app: string | null;
  /** Authorization header values for `asUser(accountId)` requests. */
  users?: Record<string, string>;
}

export interface RuntimeOptions {
  root: string;
  bitbucketBaseUrl: string;
  auth: BitbucketAuth;
  clock: Clock & Partial<Pick<SimClock, 'advance' | 'advanceTo'>>;
  /** Where installations keep their KVS between processes; null keeps everything in memory. */
  stateDir?: string | null;
  /** Real milliseconds an invocation may take; defaults to the Forge limits (25 s, or `timeoutSeconds`). */
  invocationTimeoutMs?: (functionKey: string, limitSeconds: number) => number;
  queue?: QueueOptions;
  /** The local KVS's strictness: unordered queries and enforced per-minute limits by default. */
  kvs?: KvsOptions;
  /**
   * A hard cap on Bitbucket requests through this runtime (`attest scan --max-requests`): past it, a request is
   * refused before it leaves, as the app's own budget refuses one (`budget-exhausted`), so what is left unread is
   * reported as such and never passed.
   */
  maxProductRequests?: number;
  /** Scheduled triggers: spread over the interval per installation (default) and sometimes run twice (5 %). */
  schedule?: { spread?: boolean; duplicateRate?: number };
  log?: (line: string) => void;
}

export interface QueueOptions {
  /** Deliver every event twice (at-least-once). */
  duplicate?: boolean;
  /** Deliver ready events in a shuffled order. */
  reorder?: boolean;
  /** Retries after the first attempt before an event is dropped (Forge: up to 4). */
  maxRetries?: number;
  /** Events a minute an installation may push (Forge: 500). */
  eventsPerMinute?: number;
  /**
   * Deliver events pushed with `delayInSeconds` as soon as the queue reaches them, in the order their delays
   * set (the CLI on the wall clock: the app spreads an hour's jobs over 14 minutes, which a one-off scan need
   * not wait for). Retries the platform schedules (a consumer's InvocationError, a timeout) still wait.
   */
  skipPlannedDelays?: boolean;
  seed?: number;
}

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

interface Scope {
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

interface QueuedEvent {
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

/** Which function an invocation runs, as which module, for which installation (none: tooling). */
export interface InvocationTarget {
  functionKey: string;
  module: string;
  installation: Installation | null;
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
}

interface ForgeGlobals {
  __forge_fetch__?: (meta: Record<string, unknown>, path: string, init?: RequestInit) => Promise<Response>;
  __forge_runtime__?: unknown;
  __attest_platform__?: LocalForgeRuntime | null;
  __attest_clock__?: Clock;
}

const globals = globalThis as unknown as ForgeGlobals;

function json(status: number, body: unknown): Response {
  return new Response(body === null ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/**
 * Installs the process-wide transport the SDKs read. `@forge/kvs` reads `__forge_runtime__` when it is
 * imported, so this runs before the app is loaded (jest `setupFiles`, or the CLI's first line). It
 * delegates to whichever LocalForgeRuntime is active.
 */
export function installForgeGlobals(): void {
  if (globals.__forge_fetch__) return;
  const storage = new AsyncLocalStorage<Scope>();
  (globals as { __attest_scope__?: AsyncLocalStorage<Scope> }).__attest_scope__ = storage;
  globals.__forge_fetch__ = async (meta, requestPath, init) => {
    const platform = globals.__attest_platform__;
    if (!platform) throw new Error('No local Forge runtime is active: create a LocalForgeRuntime first.');
    return platform.fetch(meta, requestPath, init, storage.getStore());
  };
  const metric = { incr: () => undefined, measure: () => ({ stop: () => undefined }) };
  // No `kvs.url`/`kvs.host`: with them @forge/kvs switches to proxy mode (docs/offline-toolchain.md §6).
  globals.__forge_runtime__ = {
    get appContext() {
      const scope = storage.getStore();
      return {
        appId: '3f6f0a1e-6c1b-4d4a-9a52-7c1a2f9d5e21',
        appVersion: '1.0.0',
        environmentId: 'local',
        environmentType: 'DEVELOPMENT',
        invocationId: scope?.invocationId ?? 'none',
        installationId: scope?.installation.id ?? 'none',
        moduleKey: scope?.functionKey ?? 'none',
      };
    },
    lambdaContext: { getRemainingTimeInMillis: () => Math.max(0, (storage.getStore()?.deadline ?? Date.now()) - Date.now()) },
    metrics: { counter: () => metric, timing: () => metric, gauge: () => metric },
    tracing: { traceId: 'local', spanId: 'local' },
  };
}

function scopeStorage(): AsyncLocalStorage<Scope> {
  installForgeGlobals();
  return (globals as { __attest_scope__?: AsyncLocalStorage<Scope> }).__attest_scope__!;
}

type Handler = (event: unknown, context: unknown) => unknown;

export class LocalForgeRuntime {
  readonly manifest: AppManifest;
  readonly uiModules: UiModule[];
  readonly invocations: InvocationRecord[] = [];
  /** Product (Bitbucket) requests made through this runtime, for reports and benchmarks. */
  productRequests = 0;
  private readonly installations = new Map<string, Installation>();
  private app: Record<string, unknown> | null = null;
  private sequence = 0;
  private random: () => number;

  constructor(readonly options: RuntimeOptions) {
    installForgeGlobals();
    const loaded = loadManifest(path.join(options.root, 'manifest.yml'));
    this.manifest = loaded.manifest;
    this.uiModules = loaded.uiModules;
    let seed = options.queue?.seed ?? 42;
    this.random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    this.activate();
  }

  /** Makes this runtime the one the SDK transport talks to (one per process at a time). */
  activate(): void {
    globals.__attest_platform__ = this;
    globals.__attest_clock__ = this.options.clock;
  }

  get clock(): Clock {
    return this.options.clock;
  }

  private loadApp(): Record<string, unknown> {
    if (!this.app) {
      // Loaded lazily, after the globals exist: the SDKs read them at import time.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      this.app = require(path.join(this.options.root, 'src', 'index')) as Record<string, unknown>;
    }
    return this.app;
  }

  installation(workspaceUuid: string): Installation {
    const key = workspaceUuid.replace(/[{}]/g, '').toLowerCase();
    let installation = this.installations.get(key);
    if (!installation) {
      const file = this.options.stateDir ? path.join(this.options.stateDir, `kvs-${key}.json`) : null;
      installation = {
        id: crypto.randomUUID(),
        workspaceUuid: key,
        kvs: new LocalKvs(this.options.clock, file, this.options.kvs),
        queue: [],
        pushedAt: [],
        dropped: [],
        pushFaults: { refuseEvents: 0, rateLimitPushes: 0 },
      };
      this.installations.set(key, installation);
    }
    return installation;
  }

  /** The handler exported for a manifest function key. */
  private handlerFor(functionKey: string): { handler: Handler; timeoutSeconds: number } {
    const entry = this.manifest.modules.function.find((fn) => fn.key === functionKey);
    if (!entry) throw new Error(`manifest has no function ${functionKey}`);
    const [file, exportName] = entry.handler.split('.');
    if (file !== 'index' || !exportName) throw new Error(`handler ${entry.handler} is not index.<export>`);
    const handler = this.loadApp()[exportName];
    if (typeof handler !== 'function') throw new Error(`src/index.ts does not export a function ${exportName}`);
    return { handler: handler as Handler, timeoutSeconds: entry.timeoutSeconds ?? 25 };
  }

  /** Runs one function as Forge would: in its own scope, with its time limit, logged. */
  /** The function's context: the installation's ids (as Forge passes them) and what the caller adds. */
  private contextFor(installation: Installation | null, context: Record<string, unknown>): Record<string, unknown> {
    if (!installation) return context;
    return {
      installContext: `ari:cloud:bitbucket::workspace/${installation.workspaceUuid}`,
      workspaceId: `{${installation.workspaceUuid}}`,
      ...context,
    };
  }

  /** The storage scope an invocation runs in: its installation, deadline, caller and what it may call. */
  private scopeFor(
    target: InvocationTarget,
    record: InvocationRecord,
    context: Record<string, unknown>,
    limitMs: number,
  ): Scope | undefined {
    if (!target.installation) return undefined;
    const principal = (context as { principal?: { accountId?: unknown } }).principal?.accountId;
    return {
      installation: target.installation,
      invocationId: record.id,
      functionKey: target.functionKey,
      deadline: Date.now() + limitMs,
      principal: typeof principal === 'string' ? principal : null,
      asUserAllowed: this.isUiModule(target.module),
      timedOut: false,
    };
  }

  async invoke(
    target: InvocationTarget,
    event: unknown,
    context: Record<string, unknown> = {},
  ): Promise<{ record: InvocationRecord; result: unknown }> {
    const { functionKey, module, installation } = target;
    const { handler, timeoutSeconds } = this.handlerFor(functionKey);
    const limitMs = this.options.invocationTimeoutMs?.(functionKey, timeoutSeconds) ?? timeoutSeconds * 1000;
    const record: InvocationRecord = {
      id: crypto.randomUUID(),
      functionKey,
      module,
      workspaceUuid: installation?.workspaceUuid ?? null,
      at: this.clock.now(),
      durationMs: 0,
      outcome: 'ok',
    };
    const fullContext = this.contextFor(installation, context);
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const scope = this.scopeFor(target, record, context, limitMs);
    const run = () => Promise.resolve().then(() => handler(event, fullContext));
    try {
      const execution = scope ? scopeStorage().run(scope, run) : run();
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          // Forge stops the function at its limit (https://developer.atlassian.com/platform/forge/limits-invocation/): whatever it
          // still tries afterwards (KVS writes, Bitbucket calls) must fail here rather than race on in the background.
          if (scope) scope.timedOut = true;
          reject(new InvocationTimeout(functionKey, limitMs));
        }, limitMs);
      });
      const result = await Promise.race([execution, timeout]);
      if (isRetryRequest(result)) record.outcome = 'retry';
      return { record, result };
    } catch (error) {
      record.outcome = error instanceof InvocationTimeout ? 'timeout' : 'error';
      record.error = error instanceof Error ? error.message : String(error);
      return { record, result: error };
    } finally {
      clearTimeout(timer);
      record.durationMs = performance.now() - started;
      this.invocations.push(record);
    }
  }

  // ---- transport -------------------------------------------------------------------------------

  private isUiModule(module: string): boolean {
    return this.uiModules.some((entry) => module === `${entry.kind}:${entry.key}`);
  }

  async fetch(
    meta: Record<string, unknown>,
    requestPath: string,
    init: RequestInit | undefined,
    scope: Scope | undefined,
  ): Promise<Response> {
    if (scope?.timedOut) throw new StoppedInvocation(scope.functionKey);
    if (meta.type === 'kvs') {
      if (!scope) throw new Error('KVS called outside an invocation');
      const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
      const [status, payload] = scope.installation.kvs.handle(requestPath, body);
      return json(status, payload);
    }
    if (requestPath.startsWith('/webhook/queue/')) {
      if (!scope) throw new Error('Queue called outside an invocation');
      return this.queueRequest(
        scope.installation,
        requestPath,
        typeof init?.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : {},
      );
    }
    if (meta.remote === 'bitbucket') return this.productRequest(meta, requestPath, init, scope);
    return json(404, { message: `the local runtime does not implement ${String(meta.remote)} ${requestPath}` });
  }

  /**
   * `asUser()` as Forge documents it: only in UI resolvers, acting as the invoking user, with no account id
   * argument (https://developer.atlassian.com/platform/forge/apis-reference/fetch-api-product.requestbitbucket/). A user without a grant gets the proxy
   * header `forge-proxy-error: NEEDS_AUTHENTICATION_ERR`, which @forge/api turns into NeedsAuthenticationError
   * (node_modules/@forge/api/out/api/fetch.js, handleProxyResponseErrors).
   */
  private userAuthorization(meta: Record<string, unknown>, scope: Scope | undefined): string | Response {
    if (!scope?.asUserAllowed)
      throw new Error(`asUser() is only available in UI resolvers; ${scope?.functionKey ?? 'tooling code'} is not one`);
    if (meta.accountId !== undefined) throw new Error('asUser() takes no account id in a resolver: Forge acts as the user who invoked it');
    const authorization = scope.principal ? this.options.auth.users?.[scope.principal] : undefined;
    return authorization ?? new Response(null, { status: 401, headers: { 'forge-proxy-error': 'NEEDS_AUTHENTICATION_ERR' } });
  }

  private async productRequest(
    meta: Record<string, unknown>,
    requestPath: string,
    init: RequestInit | undefined,
    scope: Scope | undefined,
  ): Promise<Response> {
    let authorization: string | null;
    if (meta.provider === 'user') {
      const user = this.userAuthorization(meta, scope);
      if (user instanceof Response) return user;
      authorization = user;
    } else {
      authorization = this.options.auth.app;
    }
    const headers = new Headers(init?.headers as Record<string, string> | undefined);
    if (authorization) headers.set('authorization', authorization);
    const cap = this.options.maxProductRequests;
    if (cap !== undefined && this.productRequests >= cap) {
      throw new BitbucketError(
        'budget-exhausted',
        requestPath.split('?')[0]!,
        null,
        `the cap of ${cap} requests (--max-requests) was reached`,
      );
    }
    const url = this.options.bitbucketBaseUrl.replace(/\/$/, '') + requestPath;
    this.productRequests++;
    return fetch(url, { ...init, headers });
  }

  // ---- queue -----------------------------------------------------------------------------------

  private queueRequest(installation: Installation, requestPath: string, body: Record<string, unknown>): Response {
    if (!requestPath.startsWith('/webhook/queue/publish/')) {
      return json(404, { message: 'job statistics are not implemented locally' });
    }
    const events = Array.isArray(body.payload) ? (body.payload as Array<{ body: unknown; delayInSeconds?: number }>) : [];
    const size = Buffer.byteLength(JSON.stringify(events));
    if (size > 200 * 1024) return json(413, { errorMessage: `payload is ${size} bytes; the limit is 200 KB` });
    const now = this.clock.now();
    const perMinute = this.options.queue?.eventsPerMinute ?? 500;
    installation.pushedAt = installation.pushedAt.filter((at) => at > now - 60_000);
    // 429 → RateLimitError (@forge/events out/validators.js); 500 events a minute (https://developer.atlassian.com/platform/forge/limits-async-events/).
    if (installation.pushFaults.rateLimitPushes > 0) {
      installation.pushFaults.rateLimitPushes--;
      return json(429, { message: 'queue rate limit reached (injected)' });
    }
    if (installation.pushedAt.length + events.length > perMinute) return json(429, { message: 'queue rate limit reached' });
    // 202 with `failedEvents: [{index, errorMessage}]` → PartialSuccessError naming the refused events
    // (@forge/events out/validators.js): the rest of the push is accepted.
    const failedEvents: Array<{ index: number; errorMessage: string }> = [];
    for (const [index, event] of events.entries()) {
      if (installation.pushFaults.refuseEvents > 0) {
        installation.pushFaults.refuseEvents--;
        failedEvents.push({ index, errorMessage: 'event not recorded (injected)' });
        continue;
      }
      installation.pushedAt.push(now);
      const queued: QueuedEvent = {
        eventId: crypto.randomUUID(),
        queueName: String(body.queueName),
        jobId: String(body.jobId),
        body: event.body,
        deliverAt: this.options.queue?.skipPlannedDelays ? now : now + (event.delayInSeconds ?? 0) * 1000,
        order: now + (event.delayInSeconds ?? 0) * 1000,
        retryCount: 0,
        sequence: this.sequence++,
      };
      installation.queue.push(queued);
      if (this.options.queue?.duplicate) installation.queue.push({ ...queued, sequence: this.sequence++ });
    }
    if (failedEvents.length > 0) return json(202, { jobId: body.jobId, failedEvents });
    return json(201, { jobId: body.jobId });
  }

  /**
   * Runs tooling code (the CLI's reports, tests) against an installation's storage, as `forge storage`
   * would: inside the installation's scope, so @forge/kvs reaches its KVS. Not an app invocation.
   */
  async withInstallation<T>(workspaceUuid: string, fn: () => Promise<T>): Promise<T> {
    const installation = this.installation(workspaceUuid);
    return scopeStorage().run(
      {
        installation,
        invocationId: 'tooling',
        functionKey: 'tooling',
        deadline: Date.now() + 3_600_000,
        principal: null,
        asUserAllowed: false,
        timedOut: false,
      },
      fn,
    );
  }

  /** Events waiting in every installation's queue. */
  pendingEvents(): number {
    return [...this.installations.values()].reduce((sum, installation) => sum + installation.queue.length, 0);
  }

  /**
   * Delivers queued events to their consumers until the queues are empty (or `maxInvocations`), moving the
   * simulated clock forward to delayed events and retries. Returns the number of deliveries.
   */
  async drainQueues(options: { maxInvocations?: number; until?: number } = {}): Promise<number> {
    let deliveries = 0;
    const max = options.maxInvocations ?? 100_000;
    while (deliveries < max) {
      const next = this.nextReady(options.until);
      if (!next) break;
      const [installation, event] = next;
      installation.queue.splice(installation.queue.indexOf(event), 1);
      deliveries++;
      await this.deliver(installation, event);
    }
    return deliveries;
  }

  private nextReady(until: number | undefined): [Installation, QueuedEvent] | null {
    const now = this.clock.now();
    const all: Array<[Installation, QueuedEvent]> = [];
    for (const installation of this.installations.values()) for (const event of installation.queue) all.push([installation, event]);
    if (all.length === 0) return null;
    let ready = all.filter(([, event]) => event.deliverAt <= now);
    if (ready.length === 0) {
      const earliest = Math.min(...all.map(([, event]) => event.deliverAt));
      if (until !== undefined && earliest > until) return null;
      if (!this.options.clock.advanceTo) return null;
      this.options.clock.advanceTo(earliest);
      ready = all.filter(([, event]) => event.deliverAt <= earliest);
    }
    if (this.options.queue?.reorder) return ready[Math.floor(this.random() * ready.length)] ?? null;
    ready.sort(([, a], [, b]) => (a.order ?? a.deliverAt) - (b.order ?? b.deliverAt) || a.sequence - b.sequence);
    return ready[0] ?? null;
  }

  /** The earliest event still waiting, when no clock can be moved to it: when, and why it waits. */
  nextDelivery(): { at: number; retryReason: string | null } | null {
    let next: QueuedEvent | null = null;
    for (const installation of this.installations.values())
      for (const event of installation.queue) if (next === null || event.deliverAt < next.deliverAt) next = event;
    return next === null ? null : { at: next.deliverAt, retryReason: next.retryReason ?? null };
  }

  private async deliver(installation: Installation, event: QueuedEvent): Promise<void> {
    if (event.trigger) {
      await this.redeliverTrigger(installation, event, event.trigger);
      return;
    }
    const consumer = this.manifest.modules.consumer.find((entry) => entry.queue === event.queueName);
    if (!consumer) {
      installation.dropped.push(event);
      return;
    }
    const payload = {
      body: event.body,
      queueName: event.queueName,
      jobId: event.jobId,
      eventId: event.eventId,
      ...(event.retryCount > 0
        ? { retryContext: { retryCount: event.retryCount, retryReason: event.retryReason, retryData: event.retryData } }
        : {}),
    };
    const { record, result } = await this.invoke(
      { functionKey: consumer.function, module: `consumer:${consumer.key}`, installation },
      payload,
    );
    let retryAfterSeconds: number | null = null;
    if (isRetryRequest(result)) {
      retryAfterSeconds = result.retryOptions?.retryAfter ?? 60;
      event.retryReason = result.retryOptions?.retryReason;
      event.retryData = result.retryOptions?.retryData;
    } else if (record.outcome === 'error' || record.outcome === 'timeout') {
      // Forge retries failed and timed-out consumers with exponential backoff (docs/platform-facts.md §6).
      retryAfterSeconds = 30 * 2 ** event.retryCount;
      event.retryReason = record.outcome === 'timeout' ? 'FUNCTION_TIME_OUT' : 'FUNCTION_PLATFORM_UNKNOWN_ERROR';
    }
    if (retryAfterSeconds === null) return;
    if (event.retryCount >= (this.options.queue?.maxRetries ?? 4)) {
      installation.dropped.push(event);
      return;
    }
    installation.queue.push({
      ...event,
      retryCount: event.retryCount + 1,
      deliverAt: this.clock.now() + Math.min(900, retryAfterSeconds) * 1000,
      order: this.clock.now() + Math.min(900, retryAfterSeconds) * 1000,
      sequence: this.sequence++,
    });
  }

  // ---- events, schedules, merge checks, resolvers ----------------------------------------------

  /** Invokes every function the manifest subscribes to `event.eventType`. */
  async emit(
    event: { eventType: string; workspace?: { uuid: string } } & Record<string, unknown>,
    workspaceUuid?: string,
  ): Promise<InvocationRecord[]> {
    const target = workspaceUuid ?? event.workspace?.uuid;
    if (!target) throw new Error(`event ${event.eventType} names no workspace`);
    const installation = this.installation(target);
    const records: InvocationRecord[] = [];
    for (const trigger of this.manifest.modules.trigger.filter((entry) => entry.events.includes(event.eventType))) {
      const route = { function: trigger.function, module: `trigger:${trigger.key}` };
      const queued: QueuedEvent = {
        eventId: crypto.randomUUID(),
        trigger: route,
        queueName: '',
        jobId: '',
        body: event,
        deliverAt: this.clock.now(),
        retryCount: 0,
        sequence: this.sequence++,
      };
      records.push(await this.redeliverTrigger(installation, queued, route));
    }
    return records;
  }

  /**
   * One delivery of a product event to a trigger. A returned InvocationError is retried after its
   * `retryAfter` (≤900 s), at most 4 times, with `retryContext` in the event; a timeout is retried too; an
   * error the function throws is not (https://developer.atlassian.com/platform/forge/events-reference/product_events/).
   */
  private async redeliverTrigger(
    installation: Installation,
    event: QueuedEvent,
    trigger: { function: string; module: string },
  ): Promise<InvocationRecord> {
    const retryContext = { retryCount: event.retryCount, retryReason: event.retryReason, retryData: event.retryData };
    const body = event.retryCount > 0 ? { ...(event.body as Record<string, unknown>), retryContext } : event.body;
    const { record, result } = await this.invoke({ functionKey: trigger.function, module: trigger.module, installation }, body);
    let retryAfterSeconds: number | null = null;
    if (isRetryRequest(result)) {
      retryAfterSeconds = result.retryOptions?.retryAfter ?? 60;
      event.retryReason = result.retryOptions?.retryReason;
      event.retryData = result.retryOptions?.retryData;
    } else if (record.outcome === 'timeout') {
      retryAfterSeconds = 30 * 2 ** event.retryCount;
      event.retryReason = 'FUNCTION_TIME_OUT';
    }
    if (retryAfterSeconds === null) return record;
    if (event.retryCount >= 4) installation.dropped.push(event);
    else
      installation.queue.push({
        ...event,
        retryCount: event.retryCount + 1,
        deliverAt: this.clock.now() + Math.min(900, retryAfterSeconds) * 1000,
        order: this.clock.now() + Math.min(900, retryAfterSeconds) * 1000,
        sequence: this.sequence++,
      });
    return record;
  }

  /** Injects push faults into an installation's queue, as the platform can answer them. */
  failQueuePushes(workspaceUuid: string, faults: Partial<Installation['pushFaults']>): void {
    const installation = this.installation(workspaceUuid);
    installation.pushFaults.refuseEvents += faults.refuseEvents ?? 0;
    installation.pushFaults.rateLimitPushes += faults.rateLimitPushes ?? 0;
  }

  /** Installs the app on a workspace: the `avi:forge:installed:app` lifecycle event. */
  async install(workspaceUuid: string, installerAccountId?: string): Promise<Installation> {
    const installation = this.installation(workspaceUuid);
    await this.emit(
      {
        eventType: 'avi:forge:installed:app',
        id: installation.id,
        ...(installerAccountId ? { installerAccountId } : {}),
        app: { id: '3f6f0a1e-6c1b-4d4a-9a52-7c1a2f9d5e21', version: '1.0.0' },
        environment: { id: 'local' },
      },
      workspaceUuid,
    );
    return installation;
  }

  /** One scheduled run of every `scheduledTrigger` with this interval, for every installation (or one). */
  async tick(interval: keyof typeof INTERVAL_MS, only?: Installation): Promise<InvocationRecord[]> {
    const records: InvocationRecord[] = [];
    for (const trigger of this.manifest.modules.scheduledTrigger.filter((entry) => entry.interval === interval)) {
      for (const installation of only ? [only] : this.installations.values()) {
        const event = { context: { cloudId: installation.workspaceUuid } };
        records.push(
          (await this.invoke({ functionKey: trigger.function, module: `scheduledTrigger:${trigger.key}`, installation }, event)).record,
        );
      }
    }
    return records;
  }

  /**
   * When each installation's scheduled runs of one interval happen in [start, end]. Forge spreads runs over
   * the interval per installation rather than on the hour, and a run can happen twice
   * (https://developer.atlassian.com/platform/forge/manifest-reference/modules/scheduled-trigger/): each installation gets a fixed offset into the
   * interval, and now and then (`duplicateRate`, seeded) a second run a few minutes after the first.
   */
  private scheduledRuns(interval: 'hour' | 'day', start: number, end: number): Array<{ at: number; installation: Installation }> {
    const period = INTERVAL_MS[interval];
    const spread = this.options.schedule?.spread ?? true;
    const duplicateRate = this.options.schedule?.duplicateRate ?? 0.05;
    const runs: Array<{ at: number; installation: Installation }> = [];
    for (const installation of this.installations.values()) {
      const offset = spread ? Math.floor(fraction(`${installation.workspaceUuid}:${interval}`) * (period - 60_000)) : 0;
      for (let boundary = Math.floor(start / period) * period; boundary + offset <= end; boundary += period) {
        const at = boundary + offset;
        if (at <= start) continue;
        runs.push({ at, installation });
        if (this.random() < duplicateRate)
          runs.push({ at: Math.min(end, at + 60_000 + Math.floor(this.random() * 240_000)), installation });
      }
    }
    return runs.sort((a, b) => a.at - b.at);
  }

  /**
   * Moves the simulated clock forward by `ms`, firing hourly and daily scheduled triggers when Forge would
   * (see scheduledRuns) and draining the queues in between.
   */
  async runFor(ms: number): Promise<void> {
    if (!this.options.clock.advanceTo) throw new Error('runFor needs a simulated clock');
    const start = this.clock.now();
    const end = start + ms;
    const runs = [
      ...this.scheduledRuns('hour', start, end).map((run) => ({ ...run, interval: 'hour' as const })),
      ...this.scheduledRuns('day', start, end).map((run) => ({ ...run, interval: 'day' as const })),
    ].sort((a, b) => a.at - b.at);
    for (const run of runs) {
      await this.drainQueues({ until: run.at });
      if (this.clock.now() < run.at) this.options.clock.advanceTo(run.at);
      await this.tick(run.interval, run.installation);
    }
    await this.drainQueues({ until: end });
    if (this.clock.now() < end) this.options.clock.advanceTo(end);
  }

  /** A merge-check invocation with the documented payload (docs/platform-facts.md §3). */
  async mergeCheck(payload: {
    workspace: { uuid: string };
    repository: { uuid: string };
    pullrequest: { id: number };
    trigger: { type: string };
    mergeProperties?: Record<string, unknown>;
  }): Promise<{ record: InvocationRecord; result: unknown }> {
    const check = this.manifest.modules['bitbucket:mergeCheck'][0];
    if (!check) throw new Error('manifest has no bitbucket:mergeCheck');
    if (!check.triggers.includes(payload.trigger.type)) throw new Error(`merge check is not configured for ${payload.trigger.type}`);
    return this.invoke(
      { functionKey: check.function, module: `bitbucket:mergeCheck:${check.key}`, installation: this.installation(payload.workspace.uuid) },
      payload,
    );
  }

  /** A UI resolver call, as `invoke(key, payload)` from a UI Kit module would make it. */
  async resolve(
    moduleKey: string,
    functionKey: string,
    payload: unknown,
    context: { workspaceUuid: string; accountId?: string; extension?: Record<string, unknown> },
  ): Promise<unknown> {
    const module = this.uiModules.find((entry) => entry.key === moduleKey);
    if (!module?.resolverFunction) throw new Error(`no UI module ${moduleKey} with a resolver`);
    const installation = this.installation(context.workspaceUuid);
    const forgeContext = {
      accountId: context.accountId,
      workspaceId: `{${installation.workspaceUuid}}`,
      cloudId: installation.workspaceUuid,
      moduleKey,
      extension: { type: module.kind, ...context.extension },
    };
    // @forge/resolver reads the caller from the runtime payload (`principal.accountId`), not from the
    // frontend's context (read from @forge/resolver 2.0.1's getDefinitions).
    const { record, result } = await this.invoke(
      { functionKey: module.resolverFunction, module: `${module.kind}:${moduleKey}`, installation },
      { call: { functionKey, payload, jobId: undefined }, context: forgeContext },
      context.accountId ? { principal: { accountId: context.accountId } } : {},
    );
    // The resolver's own error reaches the bridge as it was thrown (the consent error above all: Forge's
    // frontend turns NEEDS_AUTHENTICATION_ERR into the consent prompt).
    if (record.outcome === 'error' && result instanceof Error) throw result;
    if (record.outcome !== 'ok') throw new Error(`resolver ${functionKey} failed: ${record.error ?? record.outcome}`);
    return result;
  }
}

export class InvocationTimeout extends Error {
  constructor(functionKey: string, limitMs: number) {
    super(`${functionKey} exceeded its ${limitMs} ms invocation limit`);
  }
}

/** A call made by an invocation Forge has already stopped at its time limit. */
export class StoppedInvocation extends Error {
  constructor(functionKey: string) {
    super(`${functionKey} was stopped at its time limit; a call it made afterwards failed`);
    this.name = 'StoppedInvocation';
  }
}

/** A number in [0, 1) from a text, the same every time (FNV-1a). */
function fraction(text: string): number {
  let hash = 2166136261;
  for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return hash / 2 ** 32;
}

function isRetryRequest(
  value: unknown,
): value is { _retry: true; retryOptions?: { retryAfter?: number; retryReason?: string; retryData?: unknown } } {
  return typeof value === 'object' && value !== null && (value as { _retry?: unknown })._retry === true;
}
