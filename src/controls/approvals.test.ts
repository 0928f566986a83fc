import { independentApprovers, sameAccount } from './approvals';

const AUTHOR = { uuid: '{0AB1C2D3-0000-4000-8000-000000000001}', account_id: '557058:author', display_name: 'Ada' };

describe('independent approvers: one rule for the merge check, the card, BB-PR-1 and the evidence ledger', () => {
  it.each<[string, Record<string, unknown>, boolean]>([
    ['the author under a lower-case UUID', { uuid: AUTHOR.uuid.toLowerCase() }, false],
    ['the author by account id, no UUID', { account_id: '557058:author' }, false],
    ['someone else', { uuid: '{0ab1c2d3-0000-4000-8000-000000000002}', account_id: '557058:other' }, true],
    ['someone else by account id only', { account_id: '557058:other' }, true],
  ])('%s', (_name, user, independent) => {
    expect(independentApprovers([{ user, approved: true }], AUTHOR)).toHaveLength(independent ? 1 : 0);
  });

  it('counts only approvals, and nobody when the author is unknown', () => {
    const other = { account_id: '557058:other' };
    expect(independentApprovers([{ user: other, approved: false }], AUTHOR)).toEqual([]);
    expect(independentApprovers([{ user: other, approved: true }], null)).toEqual([]);
    expect(independentApprovers([{ user: null, approved: true }], AUTHOR)).toEqual([]);
  });

  it('never calls two accounts without identifiers the same', () => {
    expect(sameAccount({}, {})).toBe(false);
    expect(sameAccount({ uuid: '{a}' }, { account_id: 'x' })).toBe(false);
  });
});
