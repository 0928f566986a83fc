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
import crypto from 'node:crypto';
import path from 'node:path';
import type { Clock, SimClock } from './clock';
import { activate, installForgeGlobals, LOCAL_APP, scopeStorage } from './globals';
import { LocalKvs, type KvsOptions } from './kvs';
import { loadManifest, type AppManifest, type INTERVAL_MS, type UiModule } from './manifest';
import { LocalQueue, type QueueOptions } from './queue';
import { scheduledRuns, type ScheduleOptions } from './scheduler';
import { ProductTransport, type BitbucketAuth } from './transport';
import {
  answerGraphql,
  webTriggerId,
  webTriggerRequest,
  webTriggerResponse,
  type WebTriggerCall,
  type WebTriggerResult,
} from './webtrigger';
import {
  isRetryRequest,
  json,
  type Installation,
  type InvocationRecord,
  type InvocationTarget,
  type QueuedEvent,
  type Scope,
} from './types';

export { installForgeGlobals } from './globals';
export type { QueueOptions } from './queue';
export type { BitbucketAuth } from './transport';
export type { Installation, InvocationRecord, InvocationTarget } from './types';

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
  /** A hard cap on Bitbucket requests through this runtime (`attest scan --max-requests`): see ProductOptions. */
  maxProductRequests?: number;
  /** Scheduled triggers: spread over the interval per installation (default) and sometimes run twice (5 %). */
  schedule?: ScheduleOptions;
  /**
   * Concurrency tests: how many turns of the event loop each KVS call waits before it is served (0 by default).
   * A random number here lets concurrent invocations' reads and writes interleave in a different order each run,
   * as calls to a remote store do.
   */
  kvsTurns?: () => number;
  log?: (line: string) => void;
}

type Handler = (event: unknown, context: unknown) => unknown;

export class LocalForgeRuntime {
  readonly manifest: AppManifest;
  readonly uiModules: UiModule[];
  readonly invocations: InvocationRecord[] = [];
  private readonly installations = new Map<string, Installation>();
  private app: Record<string, unknown> | null = null;
  private readonly random: () => number;
  private readonly product: ProductTransport;
  private readonly queue: LocalQueue;

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
    this.product = new ProductTransport(options);
    this.queue = new LocalQueue({
      clock: options.clock,
      options: options.queue ?? {},
      installations: () => this.installations.values(),
      invoke: (target, event) => this.invoke(target, event),
      consumerFor: (queueName) => this.manifest.modules.consumer.find((entry) => entry.queue === queueName),
      random: this.random,
    });
    this.activate();
  }

  /** Makes this runtime the one the SDK transport talks to (one per process at a time). */
  activate(): void {
    activate(this, this.options.clock);
  }

  /** Product (Bitbucket) requests made through this runtime, for reports and benchmarks. */
  get productRequests(): number {
    return this.product.requests;
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

  /** Sets the installation's licence as Forge would pass it (`undefined`: none, as in development). */
  setLicense(workspaceUuid: string, license: { active: boolean; isEvaluation?: boolean } | undefined): void {
    const installation = this.installation(workspaceUuid);
    if (license === undefined) delete installation.license;
    else
      installation.license = {
        active: license.active,
        isActive: license.active,
        isEvaluation: license.isEvaluation ?? false,
        subscriptionEndDate: null,
      };
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
    // Web triggers run for up to 55 s, UI and event functions 25 s (https://developer.atlassian.com/platform/forge/limits-invocation/).
    const webTrigger = this.manifest.modules.webtrigger.some((module) => module.function === functionKey);
    return { handler: handler as Handler, timeoutSeconds: entry.timeoutSeconds ?? (webTrigger ? 55 : 25) };
  }

  /** Runs one function as Forge would: in its own scope, with its time limit, logged. */
  /** The function's context: the installation's ids (as Forge passes them) and what the caller adds. */
  private contextFor(installation: Installation | null, context: Record<string, unknown>): Record<string, unknown> {
    if (!installation) return context;
    return {
      installContext: `ari:cloud:bitbucket::workspace/${installation.workspaceUuid}`,
      workspaceId: `{${installation.workspaceUuid}}`,
      ...(installation.license ? { license: installation.license } : {}),
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
      for (let turn = this.options.kvsTurns?.() ?? 0; turn > 0; turn--) await new Promise((resolve) => setImmediate(resolve));
      const [status, payload] = scope.installation.kvs.handle(requestPath, body);
      return json(status, payload);
    }
    if (requestPath.startsWith('/webhook/queue/')) {
      if (!scope) throw new Error('Queue called outside an invocation');
      if (!requestPath.startsWith('/webhook/queue/publish/')) return json(404, { message: 'job statistics are not implemented locally' });
      const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : {};
      return this.queue.publish(scope.installation, body);
    }
    if (meta.remote === 'bitbucket') return this.product.request(meta, requestPath, init, scope);
    if (meta.remote === 'stargate' && meta.provider === 'app' && requestPath === '/graphql') {
      if (!scope) throw new Error('GraphQL called outside an invocation');
      const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
      const answer = answerGraphql(body, (key) => this.webTriggerUrl(scope.installation, key));
      return json(answer.status, answer.payload);
    }
    return json(404, { message: `the local runtime does not implement ${String(meta.remote)} ${requestPath}` });
  }

  // ---- queue -----------------------------------------------------------------------------------

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
    return this.queue.pending();
  }

  /**
   * Delivers queued events to their consumers until the queues are empty (or `maxInvocations`), moving the
   * simulated clock forward to delayed events and retries. Returns the number of deliveries.
   */
  drainQueues(options: { maxInvocations?: number; until?: number } = {}): Promise<number> {
    return this.queue.drain(options);
  }

  /** The earliest event still waiting, when no clock can be moved to it: when, and why it waits. */
  nextDelivery(): { at: number; retryReason: string | null } | null {
    return this.queue.nextDelivery();
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
        sequence: this.queue.nextSequence(),
      };
      records.push(await this.queue.deliverToTrigger(installation, queued));
    }
    return records;
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
        app: { id: LOCAL_APP.id, version: LOCAL_APP.version },
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
   * Moves the simulated clock forward by `ms`, firing hourly and daily scheduled triggers when Forge would
   * (see scheduledRuns) and draining the queues in between.
   */
  async runFor(ms: number): Promise<void> {
    if (!this.options.clock.advanceTo) throw new Error('runFor needs a simulated clock');
    const start = this.clock.now();
    const end = start + ms;
    const schedule = { ...this.options.schedule, random: this.random };
    const runs = [
      ...scheduledRuns(this.installations.values(), { interval: 'hour', start, end }, schedule),
      ...scheduledRuns(this.installations.values(), { interval: 'day', start, end }, schedule),
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

  private webTriggerBase = 'https://webtrigger.attest.invalid';

  /** Where web trigger URLs point from now on: `attest preview` serves them at its own address. */
  serveWebTriggersAt(base: string): void {
    this.webTriggerBase = base;
  }

  /** The origin web trigger URLs are served at. */
  webTriggerOrigin(): string {
    return this.webTriggerBase;
  }

  /** The URL of a web trigger module for an installation (null: no such module), as `webTrigger.getUrl` gives it. */
  webTriggerUrl(installation: Installation, moduleKey: string): string | null {
    if (!this.manifest.modules.webtrigger.some((module) => module.key === moduleKey)) return null;
    const base = this.webTriggerBase.replace(/\/$/, '');
    return `${base}/x1/${webTriggerId(installation.id, moduleKey)}`;
  }

  /** A call to a web trigger URL: the function's answer as the HTTP response, or a 404 for an unknown URL. */
  async callWebTrigger(url: string, call: WebTriggerCall = {}): Promise<WebTriggerResult> {
    const parsed = new URL(url);
    const id = /^\/x1\/([0-9a-f]{32})$/.exec(parsed.pathname)?.[1];
    for (const installation of this.installations.values())
      for (const module of this.manifest.modules.webtrigger) {
        if (webTriggerId(installation.id, module.key) !== id) continue;
        const { record, result } = await this.invoke(
          { functionKey: module.function, module: `webtrigger:${module.key}`, installation },
          webTriggerRequest(parsed, call),
        );
        return record.outcome === 'ok' ? webTriggerResponse(result) : { statusCode: 500, body: 'the web trigger function failed' };
      }
    return { statusCode: 404, body: 'no web trigger at this URL' };
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
