/**
 * The installation's request ledger on the strict local KVS (the real @forge/kvs SDK): concurrent claims in
 * random interleavings never grant past the ceiling and every grant is counted; the window rolls; scans stop at
 * their share while a merge check still gets its requests; and every request the app sends is claimed first.
 */
import { LocalForgeRuntime } from '../../local/runtime/runtime';
import { SimClock } from '../../local/runtime/clock';
import { BitbucketEmulator } from '../../local/emulator/server';
import { DEMO_NOW, demoSeed } from '../../local/emulator/seeds';
import { claimRequests, requestsInWindow, SLOT_MS } from '../../src/store/request-ledger';
import { ceilingFor, requestLedger } from '../../src/services/request-ledger';
import { ROOT } from '../engine/sandbox';

/** A deterministic stream of numbers in [0, 1), so a failing interleaving can be replayed from its seed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

async function sandbox(random: () => number) {
  const clock = new SimClock(DEMO_NOW);
  const emulator = new BitbucketEmulator(demoSeed(), clock);
  await emulator.listen();
  const runtime = new LocalForgeRuntime({
    root: ROOT,
    bitbucketBaseUrl: emulator.url,
    auth: { app: 'Bearer ledger-tests' },
    clock,
    kvsTurns: () => Math.floor(random() * 4),
  });
  const ws = emulator.seed.workspaces[0]!.uuid;
  const inInstallation = <T>(fn: () => Promise<T>) => runtime.withInstallation(ws, fn);
  return { clock, emulator, runtime, ws, inInstallation };
}

describe('the request ledger', () => {
  let s: Awaited<ReturnType<typeof sandbox>>;
  const random = seeded(20261201);
  beforeAll(async () => {
    s = await sandbox(random);
  });
  afterAll(async () => {
    await s.emulator.close();
  });

  test('40 rounds of 25 concurrent claims in random interleavings: never past the ceiling, every grant counted', async () => {
    for (let round = 0; round < 40; round++) {
      // Two hours apart: each round starts with an empty window.
      s.clock.advance(2 * 3_600_000);
      const now = s.clock.now();
      const sizes = Array.from({ length: 25 }, () => 1 + Math.floor(random() * 20));
      const answers = await Promise.all(
        sizes.map((requests) => s.inInstallation(() => claimRequests({ kind: 'scan', requests, ceiling: 150, now }))),
      );
      const granted = sizes.filter((_, index) => answers[index]?.granted).reduce((sum, n) => sum + n, 0);
      expect(granted).toBeLessThanOrEqual(150);
      expect(await s.inInstallation(() => requestsInWindow(now))).toBe(granted);
      // Refusals only when the claims would not all fit.
      if (sizes.reduce((sum, n) => sum + n, 0) <= 150) expect(answers.every((answer) => answer.granted)).toBe(true);
    }
  });

  test('the window rolls: requests claimed 50 minutes ago still count, 71 minutes ago they do not', async () => {
    s.clock.advance(2 * 3_600_000);
    const start = s.clock.now();
    const claim = (requests: number, at: number) =>
      s.inInstallation(() => claimRequests({ kind: 'scan', requests, ceiling: 100, now: at }));
    expect((await claim(100, start)).granted).toBe(true);
    expect(await claim(1, start + 50 * 60_000)).toEqual({ granted: false, spent: 100 });
    expect((await claim(1, start + 71 * 60_000)).granted).toBe(true);
    expect(await s.inInstallation(() => requestsInWindow(start + 71 * 60_000))).toBe(1);
  });

  test('a window document that lags (a claim made after it was written) is caught up before anything is granted', async () => {
    s.clock.advance(2 * 3_600_000);
    const start = s.clock.now();
    const claim = (requests: number, at: number) => s.inInstallation(() => claimRequests({ kind: 'scan', requests, ceiling: 60, now: at }));
    await claim(30, start);
    const lagging = s.runtime.installation(s.ws).kvs.dump()['v1:rlw'];
    await claim(25, start + 1000);
    // Put back the older window document, as a writer that read it before the second claim would.
    await s.inInstallation(async () => {
      const { kvs } = await import('@forge/kvs');
      await kvs.set('v1:rlw', lagging);
    });
    expect(await claim(10, start + SLOT_MS + 2000)).toEqual({ granted: false, spent: 55 });
    expect((await claim(5, start + SLOT_MS + 3000)).granted).toBe(true);
  });

  test('scans stop at their share of the budget; pull-request events may use the reserve; a merge check goes further', async () => {
    s.clock.advance(2 * 3_600_000);
    const budget = 100;
    const port = (kind: 'scan' | 'event' | 'interactive') => requestLedger({ kind, hourlyBudget: budget, chunk: 5 });
    let scans = 0;
    while (await s.inInstallation(() => port('scan').claim(5))) scans += 5;
    expect(scans).toBe(ceilingFor('scan', budget));
    expect(scans).toBeLessThan(budget);
    let events = 0;
    while (await s.inInstallation(() => port('event').claim(5))) events += 5;
    expect(scans + events).toBe(budget);
    expect(await s.inInstallation(() => port('interactive').claim(5))).toBe(true);
  });
});

describe('every request the app sends is claimed first', () => {
  test('an install scan of the demo workspace: the ledger holds at least what Bitbucket served, never less', async () => {
    const s = await sandbox(seeded(7));
    try {
      await s.runtime.install(s.ws);
      await s.runtime.drainQueues();
      const sent = s.emulator.log.length;
      const counted = await s.inInstallation(() => requestsInWindow(s.clock.now()));
      expect(sent).toBeGreaterThan(100);
      expect(counted).toBeGreaterThanOrEqual(sent);
      // Claims come in chunks of about what an invocation sends: what is claimed and unsent stays small.
      expect(counted - sent).toBeLessThan(sent * 0.25);
    } finally {
      await s.emulator.close();
    }
  });
});
