/**
 * The client against the emulator over real HTTP, through the real @forge/api on the local runtime:
 * pagination, retries of 429 storms without Retry-After and of 5xx, no retry on 403, the request budget.
 */
import path from 'node:path';
import { z } from 'zod';
import { route } from '@forge/api';
import { SimClock } from '../../local/runtime/clock';
import { LocalForgeRuntime } from '../../local/runtime/runtime';
import { BitbucketEmulator } from '../../local/emulator/server';
import { DEMO_NOW, demoSeed } from '../../local/emulator/seeds';
import { listRepositories } from './api';
import { appRequest, createBitbucketClient, createBudget } from './client';
import { BitbucketError } from './errors';

const ROOT = path.resolve(__dirname, '..', '..');

describe('Bitbucket client', () => {
  let emulator: BitbucketEmulator;
  let ws: string;
  const sleeps: number[] = [];
  const client = (ceiling: number | null = null) =>
    createBitbucketClient({
      request: appRequest(),
      budget: createBudget(ceiling),
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
    });

  beforeEach(async () => {
    const clock = new SimClock(DEMO_NOW);
    emulator = new BitbucketEmulator(demoSeed(), clock);
    await emulator.listen();
    new LocalForgeRuntime({ root: ROOT, bitbucketBaseUrl: emulator.url, auth: { app: 'Bearer t' }, clock });
    ws = emulator.seed.workspaces[0]!.uuid;
    sleeps.length = 0;
  });
  afterEach(() => emulator.close());

  it('walks every page at the maximum pagelen', async () => {
    const listing = await listRepositories(client(), ws);
    expect(listing).toMatchObject({ truncated: false, pages: 1 });
    expect(listing.values).toHaveLength(44);
    const capped = await listRepositories(client(), ws, 0);
    expect(capped.truncated).toBe(true);
  });

  it('recovers from a 429 storm without Retry-After, backing off exponentially', async () => {
    emulator.addFault({ path: '^/2.0/repositories/\\{[^/]*$', kind: 'status', status: 429, times: 3 });
    const listing = await listRepositories(client(), ws);
    expect(listing.values).toHaveLength(44);
    expect(sleeps).toEqual([750, 1500, 3000]);
  });

  it('honours Retry-After when Bitbucket sends it', async () => {
    emulator.addFault({ path: '^/2.0/repositories/\\{[^/]*$', kind: 'status', status: 429, times: 1, retryAfterSeconds: 7 });
    await listRepositories(client(), ws);
    expect(sleeps).toEqual([7000]);
  });

  it('gives up on a 5xx that never recovers with an upstream error', async () => {
    emulator.addFault({ path: '^/2.0/repositories/\\{[^/]*$', kind: 'status', status: 502 });
    await expect(listRepositories(client(), ws)).rejects.toMatchObject({ kind: 'upstream', status: 502 });
    expect(emulator.log).toHaveLength(4);
  });

  it('does not retry a 403 and says how to fix it', async () => {
    emulator.addFault({ path: 'branch-restrictions', kind: 'status', status: 403 });
    const repo = emulator.seed.workspaces[0]!.repositories[0]!.uuid;
    const error = await client()
      .getJson((bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${ws}/${repo}/branch-restrictions`), z.object({}))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BitbucketError);
    expect((error as BitbucketError).kind).toBe('forbidden');
    expect((error as BitbucketError).remediation()[0]).toContain('admin:repository:bitbucket');
    expect(emulator.log).toHaveLength(1);
  });

  it('reports a malformed body as malformed, naming what is wrong', async () => {
    emulator.addFault({ path: '^/2.0/repositories/\\{[^/]*$', kind: 'malformed', times: 1 });
    await expect(listRepositories(client(), ws)).rejects.toMatchObject({ kind: 'malformed' });
  });

  it('stops cleanly when the request budget is spent', async () => {
    const limited = client(1);
    await listRepositories(limited, ws);
    await expect(listRepositories(limited, ws)).rejects.toMatchObject({ kind: 'budget-exhausted' });
    expect(emulator.log).toHaveLength(1);
  });
});
