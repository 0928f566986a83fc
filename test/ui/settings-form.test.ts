import { formOf, policyUpdate } from '../../src/frontend/settings/app';
import { Policy } from '../../src/policy/policy';

const sent = (update: ReturnType<typeof policyUpdate>) => {
  if ('field' in update) throw new Error(`refused: ${update.message}`);
  return update.payload;
};

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
    expect(Policy.parse({ ...policy, ...sent(policyUpdate(formOf(policy))) })).toEqual(policy);
  });

  it.each([
    ['minApprovals', ' ', 'minApprovals: expected a number'],
    ['buildWindowDays', 'two', 'buildWindowDays: expected a number'],
  ])('a %s of %j is refused before anything is sent, naming the field', (field, text, message) => {
    expect(policyUpdate({ ...formOf(Policy.parse({})), [field]: text })).toEqual({ field: message.split(':')[0], message });
  });

  it('a classification row without its project or repository is refused, naming the row', () => {
    const form = formOf(Policy.parse({ classification: { rules: [{ project: 'PAY', classification: 'production' }] } }));
    const rows = [
      ...form.classification,
      { kind: 'pattern' as const, value: ' ', project: null, classification: 'non-production' as const },
    ];
    expect(policyUpdate({ ...form, classification: rows })).toEqual({
      field: 'classification',
      message: 'classification: row 2 needs a repository',
    });
  });

  it('classification rows: named repositories first, then the rules in order, as the policy keeps them', () => {
    const policy = Policy.parse({
      classification: {
        repositories: { 'docs-site': 'non-production' },
        rules: [
          { project: 'PAY', classification: 'production' },
          { project: 'LAB', repository: 'proto-*', classification: 'non-production' },
          { repository: '*-sandbox', classification: 'non-production' },
        ],
      },
    });
    const form = formOf(policy);
    expect(form.classification.map((row) => [row.kind, row.value, row.project])).toEqual([
      ['repository', 'docs-site', null],
      ['project', 'PAY', null],
      ['pattern', 'proto-*', 'LAB'],
      ['pattern', '*-sandbox', null],
    ]);
    expect(sent(policyUpdate(form)).classification).toEqual(policy.classification);
  });

  it.each([
    ['issueKeyPattern', '  ', null],
    ['protectedBranches', ' , ', null],
    ['minApprovals', ' 3 ', 3],
  ])('a %s of %j is sent as %j', (field, text, expected) => {
    const payload = sent(policyUpdate({ ...formOf(Policy.parse({})), [field]: text })) as Record<string, unknown>;
    expect(payload[field]).toEqual(expected);
  });
});
