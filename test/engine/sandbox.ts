/** An emulator plus a local runtime, so engine code runs through the real @forge/api over HTTP. */
import path from 'node:path';
import { appRequest, createBitbucketClient, createBudget } from '../../src/bitbucket/client';
import { SimClock } from '../../local/runtime/clock';
import { LocalForgeRuntime } from '../../local/runtime/runtime';
import { BitbucketEmulator } from '../../local/emulator/server';
import { DEMO_NOW, demoSeed } from '../../local/emulator/seeds';
import type { SeedInput } from '../../local/emulator/model';
import { APP_TOKEN, withPeople } from '../builders/credentials';

export const ROOT = path.resolve(__dirname, '..', '..');

/** A deterministic stream of numbers in [0, 1), so a failing interleaving can be replayed from its seed. */
export function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

/** `kvsTurns`: concurrency tests interleave KVS calls at random (RuntimeOptions.kvsTurns). */
export async function startSandbox(seed: SeedInput = demoSeed(), options: { kvsTurns?: () => number } = {}) {
  const clock = new SimClock(DEMO_NOW);
  const emulator = new BitbucketEmulator(seed, clock);
  await emulator.listen();
  const runtime = new LocalForgeRuntime({
    root: ROOT,
    bitbucketBaseUrl: emulator.url,
    auth: { app: 'Bearer engine-tests' },
    clock,
    ...(options.kvsTurns ? { kvsTurns: options.kvsTurns } : {}),
  });
  const client = (ceiling: number | null = null) =>
    createBitbucketClient({ request: appRequest(), budget: createBudget(ceiling), sleep: async () => undefined });
  return { clock, emulator, runtime, client, now: new Date(DEMO_NOW) };
}

/**
 * The demo workspace with people who can sign in (resolvers ask Bitbucket as the caller, `withPeople`), and the
 * emulator's events delivered to the runtime, as the UI and resolver tests need.
 */
export async function startPeopleSandbox(seed: SeedInput = demoSeed()) {
  const clock = new SimClock(DEMO_NOW);
  const people = withPeople(seed);
  const emulator = new BitbucketEmulator(people.seed, clock);
  await emulator.listen();
  const runtime = new LocalForgeRuntime({
    root: ROOT,
    bitbucketBaseUrl: emulator.url,
    auth: { app: `Bearer ${APP_TOKEN}`, users: people.users },
    clock,
  });
  emulator.onEvent((event) => runtime.emit(event));
  return { clock, emulator, runtime };
}
