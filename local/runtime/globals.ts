/**
 * The process-wide transport the Forge SDKs read: `global.__forge_fetch__(meta, path, init)` and
 * `global.__forge_runtime__` (docs/offline-toolchain.md §6), delegating to whichever local runtime is active.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock } from './clock';
import type { Scope } from './types';

/** What the transport delegates to: the active runtime. */
export interface ForgeTransport {
  fetch(meta: Record<string, unknown>, path: string, init: RequestInit | undefined, scope: Scope | undefined): Promise<Response>;
}

interface ForgeGlobals {
  __forge_fetch__?: (meta: Record<string, unknown>, path: string, init?: RequestInit) => Promise<Response>;
  __forge_runtime__?: unknown;
  __attest_platform__?: ForgeTransport | null;
  __attest_clock__?: Clock;
  __attest_scope__?: AsyncLocalStorage<Scope>;
}

const globals = globalThis as unknown as ForgeGlobals;

/** The local app's id and version, as the runtime reports them to the SDKs and in lifecycle events. */
export const LOCAL_APP = { id: '3f6f0a1e-6c1b-4d4a-9a52-7c1a2f9d5e21', version: '1.0.0' } as const;

function forgeRuntime(storage: AsyncLocalStorage<Scope>): unknown {
  const metric = { incr: () => undefined, measure: () => ({ stop: () => undefined }) };
  // No `kvs.url`/`kvs.host`: with them @forge/kvs switches to proxy mode (docs/offline-toolchain.md §6).
  return {
    get appContext() {
      const scope = storage.getStore();
      return {
        appId: LOCAL_APP.id,
        appVersion: LOCAL_APP.version,
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

/**
 * Installs the process-wide transport the SDKs read. `@forge/kvs` reads `__forge_runtime__` when it is
 * imported, so this runs before the app is loaded (jest `setupFiles`, or the CLI's first line). It
 * delegates to whichever LocalForgeRuntime is active.
 */
export function installForgeGlobals(): void {
  if (globals.__forge_fetch__) return;
  const storage = new AsyncLocalStorage<Scope>();
  globals.__attest_scope__ = storage;
  globals.__forge_fetch__ = async (meta, requestPath, init) => {
    const platform = globals.__attest_platform__;
    if (!platform) throw new Error('No local Forge runtime is active: create a LocalForgeRuntime first.');
    return platform.fetch(meta, requestPath, init, storage.getStore());
  };
  globals.__forge_runtime__ = forgeRuntime(storage);
}

/** The scope each invocation runs in, so the SDKs' calls reach its installation. */
export function scopeStorage(): AsyncLocalStorage<Scope> {
  installForgeGlobals();
  const storage = globals.__attest_scope__;
  if (!storage) throw new Error('the Forge globals were installed by something other than the local runtime');
  return storage;
}

/** Makes `transport` the one the SDKs talk to (one per process at a time), on `clock`. */
export function activate(transport: ForgeTransport, clock: Clock): void {
  globals.__attest_platform__ = transport;
  globals.__attest_clock__ = clock;
}
