import { DEFAULT_HOURLY_BUDGET, MIN_HOURLY_BUDGET, nextBudget } from './planner';

describe('the hourly request budget', () => {
  it.each([
    ['a 429 since the last plan halves it', 800, 'rate-limited', 400],
    ['a near-limit header trims it by 10%', 800, 'near-limit', 720],
    ['a quiet hour gives back a tenth of the default', 400, null, 480],
    ['from the minimum, nine quiet hours bring it back', MIN_HOURLY_BUDGET + 8 * 80, null, DEFAULT_HOURLY_BUDGET],
    ['it never rises above the default (80% of 1,000 an hour)', 790, null, DEFAULT_HOURLY_BUDGET],
    ['it never falls below the minimum', 150, 'rate-limited', MIN_HOURLY_BUDGET],
  ] as const)('%s', (_name, current, signal, expected) => {
    expect(nextBudget(current, signal)).toBe(expected);
  });
});
