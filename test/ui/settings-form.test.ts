import { formOf, policyUpdate } from '../../src/frontend/settings/app';
import { Policy } from '../../src/policy/policy';

describe('the settings form', () => {
  it.each<[string, Record<string, unknown>]>([
    ['the defaults', {}],
    [
      'every field set',
      {
        minApprovals: 2,
        maxWorkspaceAdmins: 5,
        minBuildSuccessRate: 0.75,
        securityScanners: ['snyk', 'trivy'],
        issueKeyPattern: '[A-Z]+-\\d+',
        protectedBranches: ['main', 'release/*'],
        disabledControls: ['BB-CR-4'],
        mergeCheckOnError: 'allow',
        requireApprovalOfHead: false,
        classification: { repositories: { sandbox: 'non-production' }, rules: [{ project: 'PAY', classification: 'production' }] },
      },
    ],
  ])('sends back what it shows: %s', (_name, input) => {
    const policy = Policy.parse(input);
    expect(Policy.parse({ ...policy, ...policyUpdate(formOf(policy)) })).toEqual(policy);
  });

  it.each([
    ['minApprovals', ' ', ' '],
    ['minApprovals', 'two', 'two'],
    ['issueKeyPattern', '  ', null],
    ['protectedBranches', ' , ', null],
  ])('a %s of %j is sent as %j, for the resolver to accept or name', (field, text, sent) => {
    const form = { ...formOf(Policy.parse({})), [field]: text };
    expect(policyUpdate(form)[field]).toEqual(sent);
  });

  it('unparseable classification JSON is sent as text, so the resolver names the field', () => {
    expect(policyUpdate({ ...formOf(Policy.parse({})), classificationRules: '{oops' }).classification).toBe('{oops');
  });
});
