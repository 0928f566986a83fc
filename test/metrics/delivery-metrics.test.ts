/**
 * Delivery metrics computed by hand for a small seed (docs/delivery-metrics.md), and the join of flow facts that
 * makes them independent of how often and in which order events arrive.
 */
import { mergeFacts, type PullRequestFlow } from '../../src/metrics/flow-facts';
import { figuresOf, reviewAdvisory } from '../../src/metrics/summarize';
import { repositoryWeeks, rubberStamp, type ProductionDeployment } from '../../src/metrics/weekly';
import { percentiles, weekOf, weeksEnding, weeksSince } from '../../src/metrics/weeks';

const RULES = { rubberStampMinutes: 5, largeDiffLines: 500, hotfixBranches: ['hotfix/*'] };
const NOW = new Date('2026-11-30T12:00:00.000Z');
const t = (day: string, time: string) => `2026-11-${day}T${time}:00.000Z`;

function fact(overrides: Partial<PullRequestFlow> & { id: number }): PullRequestFlow {
  return {
    title: `PR ${overrides.id}`,
    author: 'A',
    sourceBranch: `feature/${overrides.id}`,
    destination: 'main',
    protectedDestination: true,
    state: 'MERGED',
    createdAt: null,
    closedAt: null,
    headCommit: 'abcdef1234567',
    lastPushAt: null,
    reviews: [],
    approvals: [],
    linesChanged: null,
    exact: true,
    observedAt: NOW.toISOString(),
    ...overrides,
  };
}

// The seed: five pull requests in the week of 23 November, one in the week of 30 November, one opened the week before.
const FACTS: PullRequestFlow[] = [
  fact({
    id: 1,
    createdAt: t('23', '09:00'),
    lastPushAt: t('23', '09:00'),
    reviews: [
      { accountId: 'B', at: t('23', '10:00') },
      { accountId: 'C', at: t('23', '11:00') },
    ],
    approvals: [{ accountId: 'C', at: t('23', '11:00') }],
    closedAt: t('23', '13:00'),
    linesChanged: 40,
  }),
  fact({
    id: 2,
    author: 'B',
    createdAt: t('24', '08:00'),
    lastPushAt: t('24', '10:00'),
    reviews: [{ accountId: 'A', at: t('24', '10:03') }],
    approvals: [{ accountId: 'A', at: t('24', '10:03') }],
    closedAt: t('24', '10:30'),
    linesChanged: 800,
  }),
  fact({
    id: 3,
    author: 'C',
    title: 'Revert "PR 2"',
    createdAt: t('25', '09:00'),
    lastPushAt: t('25', '09:00'),
    closedAt: t('25', '09:30'),
  }),
  fact({
    id: 4,
    state: 'DECLINED',
    createdAt: t('26', '09:00'),
    closedAt: t('27', '09:00'),
    reviews: [{ accountId: 'B', at: t('26', '12:00') }],
  }),
  fact({
    id: 5,
    author: 'B',
    state: 'OPEN',
    createdAt: t('30', '08:00'),
    lastPushAt: t('30', '08:55'),
    reviews: [{ accountId: 'C', at: t('30', '09:00') }],
    approvals: [{ accountId: 'C', at: t('30', '09:00') }],
  }),
  fact({ id: 6, protectedDestination: false, destination: 'release', createdAt: t('16', '09:00'), closedAt: t('23', '09:00') }),
];

const DEPLOYMENTS: ProductionDeployment[] = [
  { uuid: 'd1', status: 'SUCCESSFUL', completedAt: t('23', '14:00'), commit: null },
  { uuid: 'd2', status: 'SUCCESSFUL', completedAt: t('24', '11:00'), commit: null },
  { uuid: 'd3', status: 'FAILED', completedAt: t('25', '08:00'), commit: null },
  { uuid: 'd4', status: 'SUCCESSFUL', completedAt: t('25', '10:00'), commit: null },
  { uuid: 'd5', status: 'STOPPED', completedAt: t('26', '10:00'), commit: null },
];

describe('weeks and percentiles', () => {
  it.each([
    ['2026-11-30T12:00:00.000Z', '2026-11-30'],
    ['2026-12-06T23:59:59.999Z', '2026-11-30'],
    ['2026-11-29T23:59:59.999Z', '2026-11-23'],
    ['2027-01-01T00:00:00.000Z', '2026-12-28'],
  ])('%s is in the week of %s (ISO weeks, Monday UTC)', (instant, week) => {
    expect(weekOf(instant)).toBe(week);
  });

  it('windows end with the week holding now', () => {
    expect(weeksEnding(NOW, 3)).toEqual(['2026-11-16', '2026-11-23', '2026-11-30']);
    expect(weeksSince(new Date(t('18', '00:00')), NOW)).toEqual(['2026-11-16', '2026-11-23', '2026-11-30']);
  });

  it.each([
    [[], { n: 0, median: null, p85: null }],
    [[7], { n: 1, median: 7, p85: 7 }],
    [[300, 60, 180], { n: 3, median: 180, p85: 300 }],
    [[30, 150, 240, 10080], { n: 4, median: 150, p85: 10080 }],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], { n: 10, median: 5, p85: 9 }],
  ])('nearest-rank percentiles of %j', (values, expected) => {
    expect(percentiles(values)).toEqual(expected);
  });
});

describe('a repository’s weeks, counted by hand', () => {
  const [, w23, w30] = repositoryWeeks({ facts: FACTS, deployments: DEPLOYMENTS }, { weeks: weeksEnding(NOW, 3), until: NOW }, RULES);

  it.each([
    ['opened (PR 1–4; PR 6 opened the week before)', 'opened', 4],
    ['merged (PR 1, 2, 3 and 6)', 'merged', 4],
    ['merged into a protected branch', 'mergedProtected', 3],
    ['declined', 'declined', 1],
    ['independently approved protected merges (PR 1, 2)', 'independent', 2],
    ['rubber stamps (PR 2: approved 3 minutes after a push of 800 lines)', 'rubberStamps', 1],
    ['deployments (STOPPED is no attempt)', 'deployments', 4],
    ['failed deployments', 'deploymentFailures', 1],
    ['change failures (d3 failed; d2 was followed by a revert before d4)', 'changeFailures', 2],
  ] as const)('%s', (_label, field, expected) => {
    expect(w23![field]).toBe(expected);
  });

  it.each([
    ['time to first review: PR 1 60, PR 2 123, PR 4 180', 'firstReview', [60, 123, 180]],
    ['time to approval: PR 1 120, PR 2 123', 'approval', [120, 123]],
    ['open → merge: PR 1 240, PR 2 150, PR 3 30, PR 6 7 days', 'cycle', [240, 150, 30, 10080]],
    ['lead time: PR 1 → d1 300, PR 2 → d2 180, PR 3 → d4 60', 'leadTime', [300, 180, 60]],
    ['time to restore: d2 → d4 (after the revert) 1380, d3 → d4 120', 'restore', [1380, 120]],
  ] as const)('%s', (_label, field, expected) => {
    expect([...w23![field]].sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
  });

  it('leaves out what is dated after now', () => {
    const weeks = { weeks: weeksEnding(NOW, 2), until: new Date(t('24', '10:45')) };
    const [early] = repositoryWeeks({ facts: FACTS, deployments: DEPLOYMENTS }, weeks, RULES);
    // PR 1 and 2 opened; PR 6, 1 and 2 merged; d1 deployed PR 1; d2 (PR 2's) completes at 11:00, after now.
    expect(early).toMatchObject({ week: '2026-11-23', opened: 2, merged: 3, deployments: 1, leadTime: [300] });
  });

  it('counts reviews by reviewer in the week they happened', () => {
    expect(w23!.reviews).toEqual({ A: 1, B: 2, C: 1 });
    expect(w30).toMatchObject({ opened: 1, merged: 0, firstReview: [60], approval: [60], reviews: { C: 1 } });
  });

  it('pools a window into figures', () => {
    const figures = figuresOf([w23!, w30!], 2);
    expect(figures).toEqual({
      weeks: 2,
      opened: 5,
      merged: 4,
      mergedProtected: 3,
      declined: 1,
      independentShare: 0.67,
      firstReviewMinutes: { n: 4, median: 60, p85: 180 },
      approvalMinutes: { n: 3, median: 120, p85: 123 },
      cycleMinutes: { n: 4, median: 150, p85: 10080 },
      reviewers: 3,
      reviewsPerReviewerPerWeek: 1.17,
      rubberStamps: 1,
      rubberStampUnknown: 0,
      deployments: 4,
      deploymentsPerWeek: 2,
      deploymentFailures: 1,
      changeFailures: 2,
      changeFailureRate: 0.5,
      leadTimeMinutes: { n: 3, median: 180, p85: 300 },
      restoreMinutes: { n: 2, median: 120, p85: 1380 },
    });
  });

  it('holds no deployment figures where deployments were not read (the coverage says why, not a zero)', () => {
    const [, row] = repositoryWeeks({ facts: FACTS, deployments: null }, { weeks: weeksEnding(NOW, 2), until: NOW }, RULES);
    expect(row).toMatchObject({ deployments: 0, leadTime: [], restore: [] });
    expect(figuresOf([row!], 1)).toMatchObject({ deploymentsPerWeek: 0, changeFailureRate: null });
  });

  it.each([
    ['quick approval on a large diff', { linesChanged: 800 }, true],
    ['quick approval on a small diff', { linesChanged: 40 }, false],
    ['quick approval, size not read', { linesChanged: null }, null],
    ['pushes not seen', { lastPushAt: null }, null],
    ['no approval', { approvals: [] }, false],
  ] as Array<[string, Partial<PullRequestFlow>, boolean | null]>)('rubber stamp: %s', (_label, overrides, expected) => {
    expect(rubberStamp({ ...FACTS[1]!, ...overrides }, RULES)).toBe(expected);
  });

  it.each([
    [null, 'not-applicable'],
    [1, 'pass'],
    [0.5, 'fail'],
  ] as const)('BB-FLOW-1 with maxReviewHours %s is %s (median first review 60 minutes)', (hours, outcome) => {
    expect(reviewAdvisory(figuresOf([w23!, w30!], 2), hours).outcome).toBe(outcome);
  });
});

describe('joining observations of a pull request', () => {
  const early = fact({
    id: 9,
    state: 'OPEN',
    createdAt: t('23', '09:00'),
    lastPushAt: t('23', '09:00'),
    headCommit: 'aaaaaaaaaaaa',
    reviews: [{ accountId: 'B', at: t('23', '12:00') }],
    exact: false,
    observedAt: t('23', '12:00'),
  });
  const pushed = { ...early, lastPushAt: t('23', '13:00'), headCommit: 'bbbbbbbbbbbb', observedAt: t('23', '13:00') };
  const approved = {
    ...pushed,
    approvals: [{ accountId: 'C', at: t('23', '14:00') }],
    reviews: [{ accountId: 'C', at: t('23', '14:00') }],
    observedAt: t('23', '14:00'),
  };
  const merged = { ...approved, state: 'MERGED' as const, closedAt: t('23', '15:00'), observedAt: t('23', '15:00') };
  const observations = [early, pushed, approved, merged];
  const joined = observations.reduce(mergeFacts);

  it('keeps the earliest review per reviewer, the latest push, the closing state', () => {
    expect(joined).toMatchObject({
      state: 'MERGED',
      closedAt: t('23', '15:00'),
      lastPushAt: t('23', '13:00'),
      headCommit: 'bbbbbbbbbbbb',
      reviews: [
        { accountId: 'B', at: t('23', '12:00') },
        { accountId: 'C', at: t('23', '14:00') },
      ],
    });
  });

  it.each([
    ['reversed', [...observations].reverse()],
    ['shuffled', [approved, early, merged, pushed]],
    ['each twice', [...observations, ...observations]],
    ['a late duplicate', [...observations, pushed, early]],
  ])('the same fact whatever the order: %s', (_label, order) => {
    expect(order.reduce(mergeFacts)).toEqual(joined);
  });

  it('is idempotent and commutative', () => {
    for (const a of observations) {
      expect(mergeFacts(a, a)).toEqual(a);
      for (const b of observations) expect(mergeFacts(a, b)).toEqual(mergeFacts(b, a));
    }
  });
});

describe('reading every repository’s weeks within KVS’s minute', () => {
  it('waits for the next minute once the pace is spent, and reads everything', async () => {
    const { startSandbox } = await import('../engine/sandbox');
    const { kvs } = await import('@forge/kvs');
    const { readAllPaced } = await import('../../src/store/kvs-read');
    const { z } = await import('zod');
    const s = await startSandbox();
    try {
      const ws = s.emulator.seed.workspaces[0]!;
      const started = s.clock.now();
      const read = await s.runtime.withInstallation(ws.uuid, async () => {
        // 250 values of 5 KB: three query pages of about 50 read units each, over a pace of 40: two waits.
        for (let i = 0; i < 250; i++) await kvs.set(`v1:fr:${String(i).padStart(4, '0')}`, { pad: 'x'.repeat(5000) });
        return readAllPaced('v1:fr:', z.object({ pad: z.string() }), { unitsPerMinute: 40 });
      });
      expect(read).toHaveLength(250);
      expect(s.clock.now() - started).toBeGreaterThanOrEqual(2 * 60_000);
    } finally {
      await s.emulator.close();
    }
  });
});
