/**
 * Attest in the pull request's reports (Code Insights) and PR-SECURITY, end to end: emulator events into the
 * local Forge runtime, the report read back from the emulator over HTTP as Bitbucket would show it.
 */
import path from 'node:path';
import { SimClock } from '../../local/runtime/clock';
import { LocalForgeRuntime } from '../../local/runtime/runtime';
import { BitbucketEmulator } from '../../local/emulator/server';
import { DEMO_NOW, demoSeed } from '../../local/emulator/seeds';
import { createStore } from '../../src/store/store';
import { Policy, type PolicyInput } from '../../src/policy/policy';

const ROOT = path.resolve(__dirname, '..', '..');
const HEAD = 'a1'.repeat(20);

async function sandbox(policy: PolicyInput = {}) {
  const clock = new SimClock(DEMO_NOW);
  const emulator = new BitbucketEmulator(demoSeed(), clock);
  await emulator.listen();
  const runtime = new LocalForgeRuntime({ root: ROOT, bitbucketBaseUrl: emulator.url, auth: { app: 'Bearer app' }, clock });
  emulator.onEvent((event) => runtime.emit(event));
  const ws = emulator.seed.workspaces[0]!;
  const repo = ws.repositories.find((candidate) => candidate.slug === 'ledger')!;
  await runtime.withInstallation(ws.uuid, () => createStore().putPolicy(Policy.parse(policy)));
  const [ada, grace] = emulator.seed.users;
  const id = (
    await emulator.mutate({
      type: 'open-pull-request',
      workspace: 'acme',
      repository: 'ledger',
      title: 'ACME-7: rotate keys',
      authorId: ada!.accountId,
      sourceBranch: 'feature/ACME-7',
      sourceCommit: HEAD,
    })
  ).pullRequestId!;
  await runtime.drainQueues();
  const report = async () => {
    const response = await fetch(`${emulator.url}/2.0/repositories/acme/ledger/commit/${HEAD}/reports/attest-compliance`, {
      headers: { authorization: 'Bearer reader' },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const puts = () => emulator.log.filter((entry) => entry.method === 'PUT');
  const approveAndBuild = async () => {
    await emulator.mutate({
      type: 'review',
      workspace: 'acme',
      repository: 'ledger',
      pullRequestId: id,
      accountId: grace!.accountId,
      decision: 'approve',
    });
    await emulator.mutate({
      type: 'build-status',
      workspace: 'acme',
      repository: 'ledger',
      commit: HEAD,
      key: 'ci',
      state: 'SUCCESSFUL',
      refname: 'feature/ACME-7',
    });
    await runtime.drainQueues();
  };
  const mergeCheck = () =>
    runtime.mergeCheck({
      workspace: { uuid: ws.uuid },
      repository: { uuid: repo.uuid },
      pullrequest: { id },
      trigger: { type: 'on-merge' },
    });
  return { clock, emulator, runtime, ws, repo, id, report, puts, approveAndBuild, mergeCheck };
}

describe('Code Insights: Attest’s verdict in the pull request', () => {
  it('writes a FAILED report when the pull request opens, then PASSED once approved and built; a duplicate event writes nothing', async () => {
    const s = await sandbox();
    try {
      const first = await s.report();
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ external_id: 'attest-compliance', reporter: 'Attest', report_type: 'TEST', result: 'FAILED' });
      const titles = (first.body.data as Array<{ title: string; type: string; value: string }>).map((datum) => [datum.title, datum.value]);
      expect(titles).toEqual([
        ['Approved by someone other than the author', 'Failed: needs 1 more approval from someone other than the author'],
        ['The latest build passed', 'Failed: no build has reported on the latest commit'],
        ['No reviewer requested changes', 'Passed: no reviewer requested changes'],
        ['Title or source branch names an issue', 'Does not apply'],
        ['No security scan failed', 'Does not apply'],
      ]);
      await s.approveAndBuild();
      const second = await s.report();
      expect(second.body).toMatchObject({ result: 'PASSED', details: 'Every Attest check passed for this commit.' });
      // Created once, replaced in place: one report with that id on the commit.
      const listing = await fetch(`${s.emulator.url}/2.0/repositories/acme/ledger/commit/${HEAD}/reports`, {
        headers: { authorization: 'Bearer r' },
      });
      expect(((await listing.json()) as { values: unknown[] }).values).toHaveLength(1);
      const written = s.puts().length;
      // The same build-status event delivered again: the verdict did not change, so nothing is written.
      await s.emulator.mutate({
        type: 'build-status',
        workspace: 'acme',
        repository: 'ledger',
        commit: HEAD,
        key: 'ci',
        state: 'SUCCESSFUL',
        refname: 'feature/ACME-7',
      });
      await s.runtime.drainQueues();
      expect(s.puts()).toHaveLength(written);
      // The merge check's own evaluation keeps the note of what was written: the next event still writes nothing.
      await s.mergeCheck();
      await s.emulator.mutate({
        type: 'build-status',
        workspace: 'acme',
        repository: 'ledger',
        commit: HEAD,
        key: 'ci',
        state: 'SUCCESSFUL',
        refname: 'feature/ACME-7',
      });
      await s.runtime.drainQueues();
      expect(s.puts()).toHaveLength(written);
    } finally {
      await s.emulator.close();
    }
  });

  it('writes nothing when the policy turns it off, or for a pull request into an unprotected branch', async () => {
    const s = await sandbox({ postCodeInsights: false });
    try {
      expect((await s.report()).status).toBe(404);
      expect(s.puts()).toHaveLength(0);
    } finally {
      await s.emulator.close();
    }
    const t = await sandbox({ protectedBranches: ['release/*'] });
    try {
      expect(t.puts()).toHaveLength(0);
    } finally {
      await t.emulator.close();
    }
  });

  it('the emulator holds Attest to the documented limits: 10 data fields, typed values, a known commit', async () => {
    const s = await sandbox();
    try {
      const put = (commit: string, body: unknown) =>
        fetch(`${s.emulator.url}/2.0/repositories/acme/ledger/commit/${commit}/reports/attest-x`, {
          method: 'PUT',
          headers: { authorization: 'Bearer w', 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const data = (n: number) => Array.from({ length: n }, (_, i) => ({ title: `f${i}`, type: 'TEXT', value: 'x' }));
      expect((await put(HEAD, { title: 't', data: data(11) })).status).toBe(400);
      expect((await put(HEAD, { title: 't', data: [{ title: 'n', type: 'NUMBER', value: 'seven' }] })).status).toBe(400);
      expect((await put(HEAD, { title: 't', report_type: 'COMPLIANCE' })).status).toBe(400);
      expect((await put('f'.repeat(40), { title: 't' })).status).toBe(404);
      expect((await put(HEAD, { title: 't', data: data(10) })).status).toBe(200);
    } finally {
      await s.emulator.close();
    }
  });
});

describe('PR-SECURITY: no security scan failed on the head commit', () => {
  it('blocks the merge while a scanner’s SECURITY report on the head is FAILED, and costs one request', async () => {
    const s = await sandbox({ checkPullRequestSecurityReports: true });
    try {
      await s.approveAndBuild();
      const at = new Date(s.clock.now()).toISOString();
      s.repo.reports.push({
        commit: HEAD,
        externalId: 'snyk-pr',
        uuid: '{5e1f0000-0000-4000-a000-0000000000aa}',
        title: 'Snyk security scan',
        details: '1 new critical vulnerability',
        reporter: 'Snyk',
        reportType: 'SECURITY',
        result: 'FAILED',
        data: [],
        createdOn: at,
        updatedOn: at,
        annotations: [],
      });
      s.emulator.log.length = 0;
      const blocked = await s.mergeCheck();
      expect(blocked.result).toEqual({ success: false, message: 'Snyk reported a failed security scan.' });
      // The pull request, its statuses, the repository (never scanned here, so its main branch is read), the
      // activity log (approved: of the latest push?) and the head's reports: PR-SECURITY's one request.
      expect(s.emulator.log.map((entry) => entry.path.split('/').pop())).toEqual([
        String(s.id),
        'statuses',
        s.repo.uuid,
        'activity',
        'reports',
      ]);
      s.repo.reports[s.repo.reports.length - 1]!.result = 'PASSED';
      expect((await s.mergeCheck()).result).toEqual({ success: true, message: 'All Attest checks passed.' });
      // Attest's own FAILED report (written while the pull request was unapproved) never counted against it.
      expect(s.repo.reports.some((report) => report.externalId === 'attest-compliance')).toBe(true);
    } finally {
      await s.emulator.close();
    }
  });

  it('a report list Bitbucket refuses leaves the check not evaluable, and the merge blocked by default', async () => {
    const s = await sandbox({ checkPullRequestSecurityReports: true });
    try {
      await s.approveAndBuild();
      s.emulator.addFault({ path: '/reports$', kind: 'status', status: 403 });
      const blocked = await s.mergeCheck();
      expect(blocked.result).toMatchObject({ success: false });
      expect((blocked.result as { message: string }).message).toMatch(
        /^No security scan failed could not be checked: the security reports could not be read/,
      );
    } finally {
      await s.emulator.close();
    }
  });
});
