/**
 * `attest evidence` as an auditor's period export: complete for the period asked whatever the ledger held
 * before, dated by the merge itself, and saying what it could not cover (exit 3) rather than looking complete.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runEvidenceCommand } from '../../local/cli/evidence-command';
import { runScanCommand } from '../../local/cli/scan-command';
import { demoSeed } from '../../local/emulator/seeds';
import type { SeedInput } from '../../local/emulator/model';
import { startSandbox } from '../engine/sandbox';
import { runInProcess, type InProcessCommand } from '../builders/cli';

const cli = (command: InProcessCommand, args: string[]) => runInProcess(command, args);

interface Exported {
  workspace: { slug: string; uuid: string };
  generatedAt: string;
  coverage: { gaps: Array<{ repository: string; reason: string }>; openUntil: string | null; repositories: number | null };
  merged: number;
  records: Array<{
    repositorySlug: string;
    pullRequestId: number;
    mergeCommit: string | null;
    mergedAt: string;
    mergedAtSource: string | null;
    mergedBy: { name: string | null } | null;
    url: string | null;
    reason: string | null;
  }>;
}

/**
 * The demo under a higher hourly limit: a scan and the exports here all happen at one instant of the simulated
 * clock, and with catalogue v2's reads they pass Bitbucket's 1,000 an hour. These tests are about the period's
 * coverage; the limit has its own (test/faults, test/e2e/request-ledger.test.ts).
 */
const periodSeed = (): SeedInput => ({ ...demoSeed(), rateLimitPerHour: 3000 });

const ids = (body: Exported) => body.records.map((record) => `${record.repositorySlug}#${record.pullRequestId}`).sort();
const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

describe('attest evidence covers the period asked', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attest-period-'));
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  const base = (state: string) => ['--workspace', 'acme', '--base-url', sandbox.emulator.url, '--state-dir', path.join(dir, state)];
  afterEach(() => sandbox.emulator.close());

  it('after a scan, backfills an older period and reconciles a merge made since: the same rows as a fresh export', async () => {
    sandbox = await startSandbox(periodSeed());
    expect((await cli(runScanCommand, [...base('scanned'), '--format', 'json'])).code).toBe(0);
    const period = ['--since', '2026-06-01', '--until', '2026-09-01', '--format', 'json'];
    const afterScan = await cli(runEvidenceCommand, [...base('scanned'), ...period]);
    expect(afterScan.code).toBe(0);
    const older = JSON.parse(afterScan.stdout) as Exported;
    // The population, from the emulator's own state: every pull request merged into a main branch in the period.
    const truth = sandbox.emulator.seed.workspaces[0]!.repositories.flatMap((repo) =>
      repo.pullRequests
        .filter(
          (pr) =>
            pr.mergedOn !== null && pr.mergedOn >= '2026-06-01' && pr.mergedOn < '2026-09-01' && pr.destinationBranch === repo.mainBranch,
        )
        .map((pr) => `${repo.slug}#${pr.id}`),
    );
    expect(older.merged).toBeGreaterThan(0);
    expect(ids(older)).toEqual(truth.sort());
    // Merge commits in full (Bitbucket abbreviates them on the pull request): the emulator's own hashes.
    const mergeCommits = new Map(
      sandbox.emulator.seed.workspaces[0]!.repositories.flatMap((repo) =>
        repo.pullRequests.map((pr) => [`${repo.slug}#${pr.id}`, pr.mergeCommit]),
      ),
    );
    for (const record of older.records) {
      const truthHash = mergeCommits.get(`${record.repositorySlug}#${record.pullRequestId}`) ?? null;
      expect(record.mergeCommit).toBe(truthHash);
    }
    expect(older.records.some((record) => record.mergeCommit?.length === 40)).toBe(true);
    expect(older.coverage.gaps).toEqual([]);
    expect(afterScan.stderr).toMatch(/\d+ merged pull requests read from Bitbucket into the ledger for this period/);

    // A pull request merged after the scan (on the wall clock the CLI runs on) is read by reconciliation.
    sandbox.clock.advanceTo(Date.now());
    const repository = 'payments-api';
    const opened = await sandbox.emulator.mutate({
      type: 'open-pull-request',
      workspace: 'acme',
      repository,
      title: 'PAY-900: Settle late captures',
      authorId: sandbox.emulator.seed.users[0]!.accountId,
      sourceBranch: 'feature/late-captures',
      sourceCommit: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00',
    });
    const merger = sandbox.emulator.seed.users[1]!;
    await sandbox.emulator.mutate({
      type: 'merge-pull-request',
      workspace: 'acme',
      repository,
      pullRequestId: opened.pullRequestId!,
      accountId: merger.accountId,
    });
    const recent = await cli(runEvidenceCommand, [...base('scanned'), '--since', '2026-11-01', '--until', tomorrow(), '--format', 'json']);
    expect(recent.code).toBe(0);
    const body = JSON.parse(recent.stdout) as Exported;
    const merged = body.records.find((record) => record.repositorySlug === repository && record.pullRequestId === opened.pullRequestId);
    expect(merged).toMatchObject({
      mergedAtSource: 'activity',
      mergedBy: { name: merger.displayName },
      url: `https://bitbucket.org/acme/${repository}/pull-requests/${opened.pullRequestId}`,
      reason: 'no approval from anyone but the author; no build reported',
    });
    expect(body.coverage.openUntil).not.toBeNull();
    expect(recent.stderr).toContain('the period has not ended: complete up to');
    expect(body.workspace.slug).toBe('acme');
    expect(Date.parse(body.generatedAt)).not.toBeNaN();
  }, 480_000);

  it('dates a pull request by its merge, not by a comment made after it: merged on the last day of Q3, it is in Q3', async () => {
    const seed: SeedInput = periodSeed();
    const repo = seed.workspaces[0]!.repositories!.find((candidate) => candidate.slug === 'payments-api')!;
    const pr = repo.pullRequests!.find((candidate) => candidate.state === 'MERGED')!;
    Object.assign(pr, {
      createdOn: '2026-09-29T10:00:00Z',
      mergedOn: '2026-09-30T22:30:00.417Z',
      updatedOn: '2026-10-02T09:15:00Z',
      comments: [{ id: 1, authorId: pr.authorId, text: 'Follow-up in PAY-901', at: '2026-10-02T09:15:00Z' }],
    });
    sandbox = await startSandbox(seed);
    const export_ = async (since: string, until: string) =>
      JSON.parse(
        (await cli(runEvidenceCommand, [...base('quarter'), '--since', since, '--until', until, '--format', 'json'])).stdout,
      ) as Exported;
    const q3 = await export_('2026-07-01', '2026-10-01');
    const q4 = await export_('2026-10-01', '2027-01-01');
    const inQ3 = q3.records.find((record) => record.repositorySlug === 'payments-api' && record.pullRequestId === pr.id);
    expect(inQ3).toMatchObject({ mergedAt: '2026-09-30T22:30:00.417Z', mergedAtSource: 'activity' });
    expect(q4.records.some((record) => record.repositorySlug === 'payments-api' && record.pullRequestId === pr.id)).toBe(false);
  }, 240_000);

  it('names the repositories it could not cover and exits 3, with the rows it has', async () => {
    sandbox = await startSandbox(periodSeed());
    expect((await cli(runScanCommand, [...base('faulty'), '--format', 'json'])).code).toBe(0);
    const repo = sandbox.emulator.seed.workspaces[0]!.repositories.find((candidate) => candidate.slug === 'payments-api')!;
    // After the scan, its pull requests can no longer be listed (the token lost that repository, say): the older
    // period cannot be backfilled there.
    sandbox.emulator.addFault({ path: `${repo.uuid.replace(/[{}]/g, '')}\\}?/pullrequests$`, kind: 'status', status: 403 });
    const result = await cli(runEvidenceCommand, [...base('faulty'), '--since', '2026-06-01', '--until', '2026-09-01']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/the export is INCOMPLETE: \d+ of \d+ repositories covered; not covered:/);
    expect(result.stderr).toMatch(/acme\/payments-api: Bitbucket answered 403/);
    expect(result.stdout.split('\r\n')[0]).toBe(
      'repository,pull_request,title,author,approvers,build_state,merge_commit,merged_at,compliant,reason,destination,merged_by,merged_at_source,url',
    );
  }, 240_000);
});

describe('attest scan when the repositories cannot be listed whole', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attest-listing-'));
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  afterEach(() => sandbox.emulator.close());

  it.each([
    ['a dangling next link', { kind: 'dangling-next' as const }, /could not be listed whole \(.+\): the report is incomplete/],
    ['a 503 on every attempt', { kind: 'status' as const, status: 503 }, /./],
  ])(
    '%s: exit 3 with the report, not 0, even with --fail-on low',
    async (name, fault, message) => {
      sandbox = await startSandbox(periodSeed());
      sandbox.emulator.addFault({ path: '^/2\\.0/repositories/[^/]+$', ...fault });
      const state = path.join(dir, name.replace(/\W+/g, '-'));
      const result = await cli(runScanCommand, [
        '--workspace',
        'acme',
        '--base-url',
        sandbox.emulator.url,
        '--state-dir',
        state,
        '--format',
        'json',
        '--fail-on',
        'low',
      ]);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(message);
    },
    240_000,
  );
});
