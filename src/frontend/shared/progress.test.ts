import { about, hoursLeft, progressStatement } from './progress';

describe('the install scan in a sentence', () => {
  test.each([
    [
      { evaluated: 120, repositories: 1000, hoursPerFullPass: 2.3 },
      'Scanning 120 of 1,000 repositories — about 2 hours left at Bitbucket’s rate limit.',
    ],
    [
      { evaluated: 40, repositories: 44, hoursPerFullPass: 0.6 },
      'Scanning 40 of 44 repositories — a few minutes left at Bitbucket’s rate limit.',
    ],
    [{ evaluated: 0, repositories: 10000, hoursPerFullPass: null }, 'Scanning 0 of 10,000 repositories.'],
    [{ evaluated: 0, repositories: 0, hoursPerFullPass: null }, 'Attest is listing the workspace’s repositories.'],
  ])('%j → %s', (progress, sentence) => {
    expect(progressStatement(progress)).toBe(sentence);
  });

  test.each([
    [0.05, 'a few minutes'],
    [0.5, 'about 30 minutes'],
    [1, 'about 1 hour'],
    [2.3, 'about 2.5 hours'],
    [13.2, 'about 13 hours'],
  ])('%d hours is %s', (hours, said) => {
    expect(about(hours)).toBe(said);
  });

  test('the hours left are the share of a full pass not yet evaluated; unknown without a measured pass', () => {
    expect(hoursLeft({ evaluated: 250, repositories: 1000, hoursPerFullPass: 14 })).toBe(10.5);
    expect(hoursLeft({ evaluated: 0, repositories: 1000, hoursPerFullPass: null })).toBeNull();
  });
});
