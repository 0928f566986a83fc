/**
 * The details the verdicts rest on, as tables: what a merged change keeps of Bitbucket's answers, which lines of
 * a pipelines file are commands, how a restriction reaches the main branch and is described in evidence, and
 * how the people-facing controls name people.
 */
import { CommitStatus, PullRequest } from '../../src/bitbucket/schemas';
import { mergedChangeOf } from '../../src/controls/merged-change';
import { pipelineCommands } from '../../src/controls/pipelines-run-security-scan';
import { appliesToMainBranch, describeRestriction } from '../../src/controls/restrictions';
import type { BranchingModel } from '../../src/bitbucket/schemas';
import { AUTHOR, REVIEWER, member, ok, restriction } from '../builders/snapshot';
import { checkWorkspace } from './harness';

describe('a merged change keeps what Bitbucket said, and nothing it did not', () => {
  const full = PullRequest.parse({
    id: 42,
    title: 'PAY-42: Retry captures',
    state: 'MERGED',
    author: AUTHOR,
    participants: [
      { user: REVIEWER, approved: true, participated_on: '2026-09-29T10:00:00.123456+00:00' },
      { user: AUTHOR, approved: true, participated_on: '2026-09-29T09:00:00+00:00' },
      { user: { account_id: 'watcher' }, approved: false },
    ],
    source: { branch: { name: 'feature/retry' } },
    destination: { branch: { name: 'main' } },
    merge_commit: { hash: 'abcdef123456' },
  });
  const statuses = [
    CommitStatus.parse({ key: 'ci', state: 'FAILED', created_on: '2026-09-29T08:00:00+00:00' }),
    CommitStatus.parse({ key: 'ci', state: 'SUCCESSFUL', created_on: '2026-09-29T08:30:00.641207+00:00' }),
    CommitStatus.parse({
      key: 'e2e',
      state: 'SUCCESSFUL',
      created_on: '2026-09-29T08:10:00.102334+00:00',
      updated_on: '2026-09-29T08:40:00.998716+00:00',
    }),
  ];

  it.each([
    [
      'a full answer',
      full,
      statuses,
      {
        id: 42,
        title: 'PAY-42: Retry captures',
        author: { accountId: 'author', name: 'Ada' },
        approvers: [{ accountId: 'reviewer', name: 'Grace', approvedAt: '2026-09-29T10:00:00.123Z' }],
        builds: [
          { key: 'ci', state: 'SUCCESSFUL', at: '2026-09-29T08:30:00.641Z' },
          { key: 'e2e', state: 'SUCCESSFUL', at: '2026-09-29T08:40:00.998Z' },
        ],
        mergeCommit: 'abcdef123456',
        destination: 'main',
        source: 'feature/retry',
        mergedAt: '2026-09-30T22:30:00.251Z',
      },
    ],
    [
      'an answer that leaves everything optional out (a deleted destination branch, no author)',
      PullRequest.parse({ id: 7, state: 'MERGED', source: {}, destination: { branch: null }, merge_commit: null }),
      [],
      {
        id: 7,
        title: '',
        author: { accountId: null, name: null },
        approvers: [],
        builds: [],
        mergeCommit: null,
        destination: null,
        source: null,
        mergedAt: '2026-09-30T22:30:00.251Z',
      },
    ],
    [
      'people known only by account id',
      PullRequest.parse({
        id: 8,
        state: 'MERGED',
        author: { account_id: 'author' },
        participants: [{ user: { account_id: 'reviewer' }, approved: true }],
        source: { branch: { name: 'x' } },
        destination: { branch: { name: 'main' } },
      }),
      [],
      {
        id: 8,
        title: '',
        author: { accountId: 'author', name: null },
        approvers: [{ accountId: 'reviewer', name: null, approvedAt: null }],
        builds: [],
        mergeCommit: null,
        destination: 'main',
        source: 'x',
        mergedAt: '2026-09-30T22:30:00.251Z',
      },
    ],
  ])('%s', (_name, pr, read, expected) => {
    expect(mergedChangeOf(pr, read, '2026-09-30T22:30:00.251Z')).toEqual(expected);
  });
});

describe('the commands of a pipelines file', () => {
  it.each([
    [
      'script items, a trailing comment stripped, a continuation line kept inside the script',
      [
        'pipelines:',
        '  default:',
        '    - step:',
        '        script:',
        '          - npm ci',
        '          - >',
        '            long line',
        '          - snyk test   # scan',
      ].join('\n'),
      ['npm ci', '>', 'snyk test'],
    ],
    [
      'a commented-out pipe at the start of a line, and one after indentation',
      [
        'pipelines:',
        '  default:',
        '#   - pipe: snyk/snyk-scan:1.0.1',
        '    # - pipe: aquasecurity/trivy-pipe:1.0.0',
        '    - step:',
        '        script:',
        '          - make',
      ].join('\n'),
      ['make'],
    ],
    [
      'pipes with and without a dash, quoted, with a quote inside',
      [
        '        script:',
        '          - pipe: "snyk/snyk-scan:1.0.1"',
        "          - pipe: 'vendor/it's-scan:2'",
        '        pipe: sonarsource/sonarcloud-scan:2.0.0',
      ].join('\n'),
      ['snyk/snyk-scan:1.0.1', "vendor/it's-scan:2", 'sonarsource/sonarcloud-scan:2.0.0'],
    ],
    [
      'a key at the script’s level ends it: its items are not commands',
      ['        script:', '          - npm test', '        services:', '          - docker', '        caches:', '          - node'].join(
        '\n',
      ),
      ['npm test'],
    ],
    [
      'items at the same indentation as `script:` (a compact YAML sequence)',
      ['    - step:', '        script:', '        - npm ci', '        - gitleaks detect', '        artifacts:', '        - dist/**'].join(
        '\n',
      ),
      ['npm ci', 'gitleaks detect'],
    ],
    ['extra spaces after the dash', ['  script:', '    -    trivy fs .'].join('\r\n'), ['trivy fs .']],
  ])('%s', (_name, file, commands) => {
    expect(pipelineCommands(file)).toEqual(commands);
  });
});

describe('a restriction and the main branch', () => {
  const model = (overrides: Partial<BranchingModel>): BranchingModel => ({
    development: null,
    production: null,
    branch_types: [],
    ...overrides,
  });
  it.each([
    ['a glob that matches', restriction('push', { pattern: 'ma*' }), null, true],
    ['a glob with no pattern', restriction('push', { pattern: null }), null, false],
    [
      'a branching-model type without a model',
      restriction('push', { branch_match_kind: 'branching_model', branch_type: 'production' }),
      null,
      false,
    ],
    [
      'development by name only (no `branch` object)',
      restriction('push', { branch_match_kind: 'branching_model', branch_type: 'development' }),
      model({ development: { name: 'main' } }),
      true,
    ],
    [
      'production that uses the main branch',
      restriction('push', { branch_match_kind: 'branching_model', branch_type: 'production' }),
      model({ production: { use_mainbranch: true } }),
      true,
    ],
    [
      'production on another branch',
      restriction('push', { branch_match_kind: 'branching_model', branch_type: 'production' }),
      model({ production: { branch: { name: 'release' } } }),
      false,
    ],
    [
      'a type whose prefix the main branch starts with',
      restriction('push', { branch_match_kind: 'branching_model', branch_type: 'release' }),
      model({ branch_types: [{ kind: 'release', prefix: 'ma' }] }),
      true,
    ],
    [
      'a type with an empty prefix matches nothing',
      restriction('push', { branch_match_kind: 'branching_model', branch_type: 'release' }),
      model({ branch_types: [{ kind: 'release', prefix: '' }] }),
      false,
    ],
    [
      'a type with no prefix',
      restriction('push', { branch_match_kind: 'branching_model', branch_type: 'release' }),
      model({ branch_types: [{ kind: 'release' }] }),
      false,
    ],
    [
      'a type the model does not have',
      restriction('push', { branch_match_kind: 'branching_model', branch_type: 'hotfix' }),
      model({ branch_types: [{ kind: 'release', prefix: 'ma' }] }),
      false,
    ],
  ])('%s', (_name, rule, branchingModel, applies) => {
    expect(appliesToMainBranch(rule, 'main', branchingModel)).toBe(applies);
  });

  it.each([
    [
      'a glob with a value',
      restriction('require_approvals_to_merge', { id: 5, pattern: 'main', value: 2 }),
      { id: 5, kind: 'require_approvals_to_merge', match: 'glob:main', value: 2 },
    ],
    ['no pattern, a null value', restriction('push', { id: 6, pattern: null, value: null }), { id: 6, kind: 'push', match: 'glob:' }],
    [
      'a value of 0',
      restriction('require_passing_builds_to_merge', { id: 7, value: 0 }),
      { id: 7, kind: 'require_passing_builds_to_merge', match: 'glob:main', value: 0 },
    ],
    [
      'a branching-model type',
      restriction('force', { id: 8, branch_match_kind: 'branching_model', branch_type: 'production', pattern: undefined }),
      { id: 8, kind: 'force', match: 'branching_model:production' },
    ],
    [
      'a branching-model restriction without its type',
      restriction('force', { id: 9, branch_match_kind: 'branching_model' }),
      { id: 9, kind: 'force', match: 'branching_model:' },
    ],
    [
      'no match kind: a glob',
      restriction('delete', { id: 10, branch_match_kind: undefined, pattern: 'main' }),
      { id: 10, kind: 'delete', match: 'glob:main' },
    ],
  ])('describes %s', (_name, rule, described) => {
    expect(describeRestriction(rule)).toEqual(described);
  });
});

describe('the people-facing controls name people', () => {
  it.each([
    [
      'one member without it',
      [member('ada', false, { display_name: 'Ada' }), member('ben', true)],
      'fail',
      '1 member does not use two-step verification: Ada.',
    ],
    [
      'two, one known only by account id',
      [member('ada', false, { display_name: 'Ada' }), member('557058:ben', false, { display_name: undefined })],
      'fail',
      '2 members do not use two-step verification: Ada, 557058:ben.',
    ],
    [
      'the flag not reported, named by display name or account id',
      [member('ada', undefined, { display_name: 'Ada' }), member('557058:ben', undefined, { display_name: undefined }), member('cy', true)],
      'not-evaluable',
      'Bitbucket does not report two-step verification for Ada, 557058:ben, and there is no attestation.',
    ],
    [
      'the flag null',
      [member('ada', true), { user: { account_id: 'dan', display_name: 'Dan', type: 'user', has_2fa_enabled: null } }],
      'not-evaluable',
      'Bitbucket does not report two-step verification for Dan, and there is no attestation.',
    ],
  ])('BB-MFA-1: %s', (_name, members, outcome, message) => {
    expect(checkWorkspace('BB-MFA-1', { members: ok(members) })).toMatchObject({ outcome, message });
  });

  const offboarded = (people: Array<{ accountId: string; name?: string }>) =>
    people.map((person) => ({ ...person, offboardedOn: '2026-10-01' }));
  it.each([
    [
      'one still a member, by their Bitbucket name',
      [member('ada', true, { display_name: 'Ada L.' })],
      offboarded([{ accountId: 'ada', name: 'Ada' }]),
      'fail',
      '1 offboarded person is still a workspace member: Ada L..',
    ],
    [
      'two, named from the list when Bitbucket gives no name, else by account id',
      [member('ada', true, { display_name: undefined }), member('ben', true, { display_name: undefined })],
      offboarded([{ accountId: 'ada', name: 'Ada' }, { accountId: 'ben' }]),
      'fail',
      '2 offboarded people are still workspace members: Ada, ben.',
    ],
    [
      'a member without an account id is nobody on the list',
      [member('x', true, { account_id: undefined })],
      offboarded([{ accountId: 'x' }]),
      'pass',
      'None of the 1 offboarded people is a workspace member.',
    ],
  ])('BB-AC-1: %s', (_name, members, list, outcome, message) => {
    expect(checkWorkspace('BB-AC-1', { members: ok(members) }, { policy: { offboarded: list } })).toMatchObject({ outcome, message });
  });
});
