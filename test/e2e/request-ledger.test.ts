/**
 * The installation's request ledger on the strict local KVS (the real @forge/kvs SDK): concurrent claims in
 * random interleavings never grant past the ceiling and every grant is counted; the window rolls; scans stop at
 * their share while a merge check still gets its requests; and every request the app sends is claimed first.
 */
import { demoSeed } from '../../local/emulator/seeds';
import { claimRequests, requestsInWindow, SLOT_MS } from '../../src/store/request-ledger';
import { ceilingFor, requestLedger } from '../../src/services/request-ledger';
import { seeded, startSandbox } from '../engine/sandbox';

async function sandbox(random: () => number) {
  const { clock, emulator, runtime } = await startSandbox(demoSeed(), { kvsTurns: () => Math.floor(random() * 4) });
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
    // Refused, and told when the slot holding the 100 leaves the window.
    const leaves = (Math.floor(start / SLOT_MS) + 13) * SLOT_MS;
    expect(await claim(1, start + 50 * 60_000)).toEqual({ granted: false, spent: 100, roomAt: leaves });
    expect(leaves - start).toBeGreaterThanOrEqual(60 * 60_000);
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
    expect(await claim(10, start + SLOT_MS + 2000)).toEqual({
      granted: false,
      spent: 55,
      roomAt: (Math.floor(start / SLOT_MS) + 13) * SLOT_MS,
    });
    expect((await claim(5, start + SLOT_MS + 3000)).granted).toBe(true);
  });

  test('scans stop at their share of the budget; pull-request events may use the reserve; a merge check goes further', async () => {
    s.clock.advance(2 * 3_600_000);
    const budget = 100;
    const port = (kind: 'scan' | 'event' | 'interactive') => requestLedger({ kind, hourlyBudget: budget, chunk: 5 });
    let scans = 0;
    while ((await s.inInstallation(() => port('scan').claim(5))).granted) scans += 5;
    expect(scans).toBe(ceilingFor('scan', budget));
    expect(scans).toBeLessThan(budget);
    let events = 0;
    while ((await s.inInstallation(() => port('event').claim(5))).granted) events += 5;
    expect(scans + events).toBe(budget);
    expect(await s.inInstallation(() => port('interactive').claim(5))).toEqual({ granted: true, roomAt: null });
  });
});

describe('every request the app sends is claimed first', () => {
  test('an install of the demo workspace, checked every 10 minutes for two hours: the window holds at least what Bitbucket served in the last hour', async () => {
    const s = await sandbox(seeded(7));
    try {
      await s.runtime.install(s.ws);
      const start = s.clock.now();
      let checked = 0;
      for (let step = 1; step <= 12; step++) {
        const until = start + step * 10 * 60_000;
        await s.runtime.drainQueues({ until });
        if (s.clock.now() < until) s.clock.advanceTo(until);
        const now = s.clock.now();
        const sentSince = (from: number) => s.emulator.log.filter((entry) => entry.at > from && entry.at <= now).length;
        const counted = await s.inInstallation(() => requestsInWindow(now));
        // Never less than Bitbucket's own rolling hour…
        expect({ step, counted: counted >= sentSince(now - 3_600_000) }).toEqual({ step, counted: true });
        // …and not much more than was sent since the window's first slot began (claims a little ahead of sending).
        const windowStart = (Math.floor(now / SLOT_MS) - 12) * SLOT_MS;
        expect(counted - sentSince(windowStart - 1)).toBeLessThanOrEqual(Math.max(50, sentSince(windowStart - 1) * 0.1));
        if (sentSince(now - 3_600_000) > 100) checked++;
      }
      expect(checked).toBeGreaterThan(3);
      expect(s.emulator.log.filter((entry) => entry.status === 429)).toEqual([]);
    } finally {
      await s.emulator.close();
    }
  });

  test('a merge check, which sends its first request before its claim is written, is counted once it has answered', async () => {
    const s = await sandbox(seeded(11));
    try {
      await s.runtime.install(s.ws);
      await s.runtime.drainQueues();
      s.clock.advance(2 * 3_600_000);
      const now = s.clock.now();
      const repository = s.emulator.seed.workspaces[0]!.repositories.find((repo) => repo.pullRequests.some((pr) => pr.state === 'OPEN'))!;
      const pullRequest = repository.pullRequests.find((pr) => pr.state === 'OPEN')!;
      for (let i = 0; i < 10; i++)
        await s.runtime.mergeCheck({
          workspace: { uuid: s.ws },
          repository: { uuid: repository.uuid },
          pullrequest: { id: pullRequest.id },
          trigger: { type: 'on-merge' },
        });
      const sent = s.emulator.log.filter((entry) => entry.at >= now).length;
      expect(sent).toBeGreaterThanOrEqual(20);
      expect(await s.inInstallation(() => requestsInWindow(s.clock.now()))).toBeGreaterThanOrEqual(sent);
    } finally {
      await s.emulator.close();
    }
  });
});
