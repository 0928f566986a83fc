import { Policy } from './policy';
import { rescanScope } from './rescan-scope';

const base = Policy.parse({});
const exception = (control: string, repository: string) => ({
  control,
  repository,
  reason: 'r',
  approvedBy: '557058:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  expiresOn: '2027-01-01',
});

describe('rescanScope', () => {
  it.each<[string, Record<string, unknown>, ReturnType<typeof rescanScope>]>([
    ['nothing changed', {}, { kind: 'none' }],
    [
      'merge-check settings only',
      { mergeCheckOnError: 'allow', requireApprovalOfHead: false, issueKeyPattern: '[A-Z]+-\\d+' },
      { kind: 'none' },
    ],
    ['the administrator threshold', { maxWorkspaceAdmins: 5 }, { kind: 'some', repositories: [], workspace: true }],
    [
      'an exception for one repository',
      { exceptions: [exception('BB-REPO-2', 'payments-api')] },
      { kind: 'some', repositories: ['payments-api'], workspace: false },
    ],
    [
      'an exception for a workspace control',
      { exceptions: [exception('BB-MFA-1', '*')] },
      { kind: 'some', repositories: [], workspace: true },
    ],
    ['an exception for every repository', { exceptions: [exception('BB-REPO-2', '*')] }, { kind: 'all' }],
    ['the approvals threshold', { minApprovals: 2 }, { kind: 'all' }],
    ['classification', { classification: { repositories: { sandbox: 'non-production' }, rules: [] } }, { kind: 'all' }],
  ])('%s', (_name, change, expected) => {
    expect(rescanScope(base, Policy.parse({ ...base, ...change }))).toEqual(expected);
  });

  it('a revoked exception re-evaluates the repository it named', () => {
    const withException = Policy.parse({ ...base, exceptions: [exception('BB-REPO-2', 'ledger')] });
    expect(rescanScope(withException, base)).toEqual({ kind: 'some', repositories: ['ledger'], workspace: false });
  });
});
