/**
 * What every benchmark figure shares: the emulator plus the local runtime on a simulated clock (the sandbox),
 * reading what the app stored, and the shape of a figure in bench/results.json.
 */
import path from 'node:path';
import type { z } from 'zod';
import { BitbucketEmulator } from '../local/emulator/server';
import type { SeedInput } from '../local/emulator/model';
import { DEMO_NOW } from '../local/emulator/seeds';
import { SimClock } from '../local/runtime/clock';
import { KVS_LIMITS, type KvsOptions } from '../local/runtime/kvs';
import { LocalForgeRuntime, type QueueOptions } from '../local/runtime/runtime';
import { RepositoryRecord } from '../src/store/records';

export const ROOT = path.resolve(__dirname, '..');

export interface Figure {
  figure: string;
  value: string;
  target: string;
  data: Record<string, unknown>;
  commit?: string;
  measuredAt?: string;
}

export async function sandbox(seed: SeedInput, options: { queue?: QueueOptions; invocationTimeoutMs?: number; kvs?: KvsOptions } = {}) {
  const clock = new SimClock(DEMO_NOW);
  const emulator = new BitbucketEmulator(seed, clock);
  await emulator.listen();
  const timeout = options.invocationTimeoutMs;
  const runtime = new LocalForgeRuntime({
    root: ROOT,
    bitbucketBaseUrl: emulator.url,
    auth: {
      app: 'Bearer bench',
      users: Object.fromEntries(emulator.seed.users.map((user) => [user.accountId, `Bearer bench-${user.accountId}`])),
    },
    clock,
    queue: options.queue ?? {},
    ...(options.kvs ? { kvs: options.kvs } : {}),
    ...(timeout ? { invocationTimeoutMs: () => timeout } : {}),
  });
  emulator.onEvent((event) => runtime.emit(event));
  return { clock, emulator, runtime, ws: emulator.seed.workspaces[0]! };
}

export type Sandbox = Awaited<ReturnType<typeof sandbox>>;

/** The busiest minute of KVS use against Forge's per-installation limits, and the largest batch. */
export function kvsPeaks(s: Sandbox): { text: string; data: Record<string, number> } {
  const stats = s.runtime.installation(s.ws.uuid).kvs.stats;
  const data = {
    peakReadUnitsPerMinute: stats.peakReadUnitsPerMinute,
    peakWriteUnitsPerMinute: stats.peakWriteUnitsPerMinute,
    largestBatchBytes: stats.largestBatchBytes,
    overLimit: stats.rateLimited,
  };
  const text = `busiest minute ${data.peakReadUnitsPerMinute.toLocaleString('en')} read / ${data.peakWriteUnitsPerMinute.toLocaleString('en')} write units (limit ${KVS_LIMITS.readUnitsPerMinute.toLocaleString('en')}); largest batch ${(data.largestBatchBytes / 1024 / 1024).toFixed(2)} MB; ${data.overLimit} calls over a limit`;
  return { text, data };
}

/** The stored values under a key prefix of the sandbox's installation, parsed as what the store wrote. */
export function stored<T>(s: Sandbox, prefix: string, schema: z.ZodType<T>): T[] {
  return Object.entries(s.runtime.installation(s.ws.uuid).kvs.dump())
    .filter(([key]) => key.startsWith(prefix))
    .map(([, value]) => schema.parse(value));
}

export const storedRepositories = (s: Sandbox) => stored(s, 'v1:repo:', RepositoryRecord);

/** How a run was asked for: `--quick` runs small sizes (used by a test). */
export interface BenchOptions {
  quick: boolean;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
