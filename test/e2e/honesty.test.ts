/**
 * No error becomes a pass: each case here was a pass (or a merge let through, or a record kept) before.
 */
import path from 'node:path';
import { SimClock } from '../../local/runtime/clock';
import { LocalForgeRuntime } from '../../local/runtime/runtime';
import { BitbucketEmulator, Mutation } from '../../local/emulator/server';
import { DEMO_NOW, demoSeed } from '../../local/emulator/seeds';
import type { SeedInput } from '../../local/emulator/model';
import { Policy } from '../../src/policy/policy';
import { createStore } from '../../src/store/store';
import { keys } from '../../src/store/keys';
import { claimRequests } from '../../src/store/request-ledger';
import { member, ok } from '../builders/snapshot';
import { checkWorkspace } from '../controls/harness';
import { APP_TOKEN, withPeople } from '../builders/credentials';

const ROOT = path.resolve(__dirname, '..', '..');

async function start(input: SeedInput) {
  const clock = new SimClock(DEMO_NOW);
  const { seed, users } = withPeople(input);
  const emulator = new BitbucketEmulator(seed, clock);
  await emulator.listen();
  const runtime = new LocalForgeRuntime({ root: ROOT, bitbucketBaseUrl: emulator.url, auth: { app: `Bearer ${APP_TOKEN}`, users }, clock });
  emulator.onEvent((event) => runtime.emit(event));
  const ws = emulator.seed.workspaces[0]!;
  await runtime.install(ws.uuid);
  await runtime.drainQueues();
  return { clock, emulator, runtime, ws };
}
type Started = Awaited<ReturnType<typeof start>>;

/** The demo's payments-api with one open pull request, changed by `edit`. */
function seedWith(
  edit: (
    pr: NonNullable<NonNullable<SeedInput['workspaces'][number]['repositories']>[number]['pullRequests']>[number],
    repo: NonNullable<SeedInput['workspaces'][number]['repositories']>[number],
  ) => void,
): SeedInput {
  const seed = demoSeed();
  const repo = seed.workspaces[0]!.repositories!.find((candidate) => candidate.slug === 'payments-api')!;
  const pr = repo.pullRequests!.find((candidate) => candidate.state === 'OPEN') ?? repo.pullRequests![0]!;
  pr.state = 'OPEN';
  pr.mergedOn = null;
  pr.mergeCommit = null;
  edit(pr, repo);
  return seed;
}

describe('no error becomes a pass', () => {
  let s: Started | null = null;
  afterEach(async () => {
    await s?.emulator.close();
    s = null;
  });
  const check = (started: Started, repoSlug: string, id: number) => {
    const repo = started.ws.repositories.find((candidate) => candidate.slug === repoSlug)!;
    return started.runtime.mergeCheck({
      workspace: { uuid: started.ws.uuid },
      repository: { uuid: repo.uuid },
      pullrequest: { id },
      trigger: { type: 'on-merge' },
    });
  };

  it.each([
    ['a failing check stored then still blocks', 'block', false, false, /Approved by someone other than the author/],
    ['checks that all passed then block under mergeCheckOnError: block', 'block', true, false, /re-run the check in a few minutes/],
    ['checks that all passed then allow under mergeCheckOnError: allow', 'allow', true, true, /the policy allows merging/],
  ] as const)(
    'merge check past Bitbucket’s hourly limit answers from the stored checks, saying how old: %s',
    async (_name, onError, approved, success, says) => {
      let id = 0;
      s = await start(
        seedWith((pr) => {
          id = pr.id;
          pr.title = 'PAY-12: Retry webhooks';
          const reviewer = demoSeed().users!.find((user) => user.accountId !== pr.authorId)!.accountId;
          pr.participants = approved
            ? [
                {
                  accountId: reviewer,
                  role: 'REVIEWER',
                  approved: true,
                  state: 'approved',
                  participatedOn: '2026-11-21T10:00:00.362Z',
                },
              ]
            : [];
        }),
      );
      const started = s;
      await started.runtime.withInstallation(started.ws.uuid, async () =>
        createStore().putPolicy(
          Policy.parse({ ...(await createStore().getPolicy()), mergeCheckOnError: onError, requireApprovalOfHead: false }),
        ),
      );
      const first = await check(started, 'payments-api', id);
      expect(first.result).toMatchObject({ success: approved });
      // Fill the rolling hour to the merge check's ceiling: the next check cannot read Bitbucket.
      await started.runtime.withInstallation(started.ws.uuid, () =>
        claimRequests({ kind: 'interactive', requests: 2000, ceiling: Number.POSITIVE_INFINITY, now: started.clock.now() }),
      );
      started.clock.advance(7 * 60_000);
      const before = started.emulator.log.length;
      const { result } = await check(started, 'payments-api', id);
      expect(started.emulator.log.length).toBe(before);
      expect(result).toMatchObject({ success });
      const message = (result as { message: string }).message;
      expect(message).toMatch(/hourly request limit is reached.*checks stored 7 minutes ago/);
      expect(message).toMatch(says);
    },
  );

  it('merge check: a KVS failure while keeping the result for the card does not turn a failing check into "could not evaluate" (nor, with allow, into a merge)', async () => {
    let id = 0;
    s = await start(
      seedWith((pr) => {
        id = pr.id;
        pr.participants = [
          { accountId: pr.authorId, role: 'REVIEWER', approved: true, state: 'approved', participatedOn: '2026-11-21T10:00:00Z' },
        ];
      }),
    );
    await s.runtime.withInstallation(s.ws.uuid, async () =>
      createStore().putPolicy(Policy.parse({ ...(await createStore().getPolicy()), mergeCheckOnError: 'allow' })),
    );
    // Reads of the policy and the repository succeed; the card record's read and write fail.
    s.runtime.installation(s.ws.uuid).kvs.failNextOn(/^v1:pr:/, 2, 500, 'INTERNAL_SERVER_ERROR');
    const { result } = await check(s, 'payments-api', id);
    expect(result).toMatchObject({ success: false });
    expect((result as { message: string }).message).not.toMatch(/could not evaluate/);
  });

  it('merge check: a pull request whose destination branch Bitbucket does not name is not "not a protected branch"', async () => {
    let id = 0;
    s = await start(
      seedWith((pr) => {
        id = pr.id;
        pr.destinationBranch = null;
      }),
    );
    const { result } = await check(s, 'payments-api', id);
    expect(result).toMatchObject({ success: false, message: expect.stringMatching(/could not evaluate.*names no destination branch/) });
  });

  it('merge check: statuses cut short by pagination are not read as complete', async () => {
    let id = 0;
    s = await start(
      seedWith((pr, repo) => {
        id = pr.id;
        pr.participants = [
          { accountId: '557058:186a1-demo-1', role: 'REVIEWER', approved: true, state: 'approved', participatedOn: '2026-11-21T10:00:00Z' },
        ];
        repo.statuses = [
          ...Array.from({ length: 500 }, (_, i) => ({
            commit: pr.sourceCommit,
            key: `ok-${i}`,
            state: 'SUCCESSFUL' as const,
            refname: pr.sourceBranch,
            createdOn: '2026-11-21T10:00:00Z',
            updatedOn: '2026-11-21T10:00:00Z',
          })),
          {
            commit: pr.sourceCommit,
            key: 'security-scan',
            state: 'FAILED' as const,
            refname: pr.sourceBranch,
            createdOn: '2026-11-21T10:00:00Z',
            updatedOn: '2026-11-21T10:00:00Z',
          },
        ];
      }),
    );
    const { result } = await check(s, 'payments-api', id);
    expect(result).toMatchObject({ success: false });
    expect((result as { message: string }).message).not.toMatch(/All checks passed/);
  });

  it('merge check: an approval given before the author pushed again approves other code, and does not count', async () => {
    let id = 0;
    s = await start(seedWith((pr) => (id = pr.id)));
    const started = s;
    const repo = started.ws.repositories.find((candidate) => candidate.slug === 'payments-api')!;
    const pr = repo.pullRequests.find((candidate) => candidate.id === id)!;
    const reviewer = started.emulator.seed.users.find((user) => user.accountId !== pr.authorId)!;
    const mutate = (mutation: Record<string, unknown>) =>
      started.emulator.mutate(Mutation.parse({ workspace: started.ws.slug, repository: repo.slug, ...mutation }));
    const passBuild = (commit: string) =>
      mutate({ type: 'build-status', commit, key: 'ci', state: 'SUCCESSFUL', refname: pr.sourceBranch });
    repo.statuses = [];
    repo.branchRestrictions = repo.branchRestrictions.filter((r) => r.kind !== 'reset_pullrequest_approvals_on_change');
    pr.participants = [];
    await passBuild(pr.sourceCommit);
    started.clock.advance(60_000);
    await mutate({ type: 'review', pullRequestId: id, accountId: reviewer.accountId, decision: 'approve' });
    const approvedMessage = async () => (await check(started, 'payments-api', id)).result as { success: boolean; message: string };
    expect(await approvedMessage()).toMatchObject({ success: true });

    started.clock.advance(60_000);
    const pushed = 'feedface'.repeat(5);
    await mutate({ type: 'push-to-pull-request', pullRequestId: id, commit: pushed });
    await passBuild(pushed);
    const stale = await approvedMessage();
    expect(stale.success).toBe(false);
    expect(stale.message).toContain(`${reviewer.displayName} approved before the author pushed again`);

    // The policy can choose to count them (a branch that resets approvals on change needs no more).
    await started.runtime.withInstallation(started.ws.uuid, async () =>
      createStore().putPolicy(Policy.parse({ ...(await createStore().getPolicy()), requireApprovalOfHead: false })),
    );
    expect(await approvedMessage()).toMatchObject({ success: true });
    await started.runtime.withInstallation(started.ws.uuid, async () =>
      createStore().putPolicy(Policy.parse({ ...(await createStore().getPolicy()), requireApprovalOfHead: true })),
    );

    started.clock.advance(60_000);
    await mutate({ type: 'review', pullRequestId: id, accountId: reviewer.accountId, decision: 'approve' });
    expect(await approvedMessage()).toMatchObject({ success: true, message: 'All Attest checks passed.' });
  });

  it('the emulator resets approvals on a push where the destination branch says so, as Bitbucket does', async () => {
    let id = 0;
    s = await start(seedWith((pr) => (id = pr.id)));
    const repo = s.ws.repositories.find((candidate) => candidate.slug === 'payments-api')!;
    const pr = repo.pullRequests.find((candidate) => candidate.id === id)!;
    repo.branchRestrictions.push({
      id: 999,
      kind: 'reset_pullrequest_approvals_on_change',
      branch_match_kind: 'glob',
      pattern: pr.destinationBranch!,
      value: null,
      users: [],
      groups: [],
    });
    pr.participants = [{ accountId: 'someone', role: 'REVIEWER', approved: true, state: 'approved', participatedOn: pr.createdOn }];
    await s.emulator.mutate(
      Mutation.parse({
        type: 'push-to-pull-request',
        workspace: s.ws.slug,
        repository: repo.slug,
        pullRequestId: id,
        commit: 'ab'.repeat(20),
      }),
    );
    expect(pr.participants[0]).toMatchObject({ approved: false, state: null });
  });

  it.each([
    ['the listing', 'evaluated from the repository read again', '^/2\\.0/repositories/[^/]+$'],
    ['the listing and the repository itself', 'never evaluated as empty', '^/2\\.0/repositories/[^/]+(/[^/]+)?$'],
  ])('a repository whose main branch %s leaves out is %s', async (_where, _what, path) => {
    const clock = new SimClock(DEMO_NOW);
    const { seed, users } = withPeople(demoSeed());
    const emulator = new BitbucketEmulator(seed, clock);
    await emulator.listen();
    emulator.addFault({ path, kind: 'omit-field', field: 'mainbranch' });
    const runtime = new LocalForgeRuntime({
      root: ROOT,
      bitbucketBaseUrl: emulator.url,
      auth: { app: `Bearer ${APP_TOKEN}`, users },
      clock,
    });
    const ws = emulator.seed.workspaces[0]!;
    s = { clock, emulator, runtime, ws };
    await runtime.install(ws.uuid);
    await runtime.drainQueues();
    const repo = ws.repositories.find((candidate) => candidate.slug === 'payments-api')!;
    const stored = runtime.installation(ws.uuid).kvs.dump()[keys.repository(repo.uuid)] as
      { results: Array<{ control: string; outcome: string }> | null } | undefined;
    const bp1 = stored?.results?.find((result) => result.control === 'BB-BP-1')?.outcome;
    expect(bp1).not.toBe('not-applicable');
    if (path.endsWith('+$')) expect(bp1).toBe('pass');
  });

  it('the evidence ledger records merges into protected branches only, as the backfill does', async () => {
    s = await start(demoSeed());
    const repo = s.ws.repositories.find((candidate) => candidate.slug === 'payments-api')!;
    const author = s.emulator.seed.users[1]!.accountId;
    const mergeInto = async (destinationBranch: string | undefined, letter: string) => {
      const opened = await s!.emulator.mutate({
        type: 'open-pull-request',
        workspace: 'acme',
        repository: repo.slug,
        title: `Into ${destinationBranch ?? 'main'}`,
        authorId: author,
        sourceBranch: `feature/${letter}`,
        ...(destinationBranch ? { destinationBranch } : {}),
        sourceCommit: letter.repeat(40),
      });
      await s!.emulator.mutate({
        type: 'merge-pull-request',
        workspace: 'acme',
        repository: repo.slug,
        pullRequestId: opened.pullRequestId!,
        accountId: author,
      });
      await s!.runtime.drainQueues();
      return s!.runtime.installation(s!.ws.uuid).kvs.dump()[keys.evidence(repo.uuid, opened.pullRequestId!)];
    };
    expect(await mergeInto('feature/b', 'a')).toBeUndefined();
    expect(await mergeInto(undefined, 'c')).toBeDefined();
  });
});

describe('an empty answer that cannot be empty is not a pass', () => {
  it('BB-MFA-1 with no members listed is not-evaluable', () => {
    expect(checkWorkspace('BB-MFA-1', { members: ok([]) }).outcome).toBe('not-evaluable');
    expect(checkWorkspace('BB-MFA-1', { members: ok([member('m1', true)]) }).outcome).toBe('pass');
  });
  it('BB-AC-2 with no owners listed is not-evaluable', () => {
    expect(checkWorkspace('BB-AC-2', { workspacePermissions: ok([]) }).outcome).toBe('not-evaluable');
    expect(
      checkWorkspace('BB-AC-2', { workspacePermissions: ok([{ permission: 'owner', user: { account_id: 'o1', display_name: 'Owner' } }]) })
        .outcome,
    ).toBe('pass');
  });
});
