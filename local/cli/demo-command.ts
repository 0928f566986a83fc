/**
 * `attest demo` (`npm start`): the built-in emulator with the demo workspace, the app installed into the
 * local runtime, the install scan through the queue, then a scripted day of activity on the simulated
 * clock — pull requests opened, approved by their authors and by others, builds passing and failing,
 * merges, merge checks on the way, a branch restriction removed and caught on the next hourly run, a
 * repository deleted — then the dashboard summary and `attest-report/` (results JSON, evidence CSV, HTML).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Policy } from '../../src/policy/policy';
import { evidenceCsv } from '../../src/report/evidence';
import { toJson } from '../../src/report/formats';
import { reportFromStore } from '../../src/report/from-store';
import { htmlReport } from '../../src/report/html';
import { createStore } from '../../src/store/store';
import { BitbucketEmulator } from '../emulator/server';
import { DEMO_NOW, demoPolicy, demoSeed } from '../emulator/seeds';
import { SimClock } from '../runtime/clock';
import { LocalForgeRuntime } from '../runtime/runtime';
import { ROOT } from './app-session';

const HOUR = 3_600_000;

export async function runDemoCommand(
  argv: readonly string[],
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { out: { type: 'string', default: 'attest-report' } }, strict: true });
  const started = performance.now();
  const clock = new SimClock(DEMO_NOW);
  const emulator = new BitbucketEmulator(demoSeed(), clock);
  await emulator.listen();
  try {
    const runtime = new LocalForgeRuntime({ root: ROOT, bitbucketBaseUrl: emulator.url, auth: { app: 'Bearer attest-demo' }, clock });
    emulator.onEvent((event) => runtime.emit(event));
    const ws = emulator.seed.workspaces[0]!;
    const policy = Policy.parse(demoPolicy(emulator.seed));
    const users = emulator.seed.users;
    const [ada, grace, alan] = [users[0]!, users[1]!, users[2]!];
    const time = () => new Date(clock.now()).toISOString().slice(11, 16);

    out(`Bitbucket emulator on ${emulator.url}: workspace ${ws.slug}, ${ws.repositories.length} repositories`);
    await runtime.withInstallation(ws.uuid, () => createStore().putPolicy(policy));
    await runtime.install(ws.uuid);
    await runtime.drainQueues();
    out(`${time()} installed; install scan done: ${runtime.productRequests} Bitbucket requests, ${runtime.invocations.length} invocations`);

    const mergeCheck = async (repository: string, id: number, trigger: string) => {
      const repo = ws.repositories.find((candidate) => candidate.slug === repository)!;
      const { result } = await runtime.mergeCheck({
        workspace: { uuid: ws.uuid },
        repository: { uuid: repo.uuid },
        pullrequest: { id },
        trigger: { type: trigger },
      });
      const decision = result as { success: boolean; message: string };
      out(
        `${time()} merge check (${trigger}) ${repository} #${id}: ${decision.success ? 'PASS' : 'BLOCKED'} — ${decision.message.split('\n').join(' | ')}`,
      );
      return decision.success;
    };
    const step = async (hours: number) => runtime.runFor(hours * HOUR);

    // 09:30 Ada opens a pull request on payments-api and approves it herself.
    await step(0.5);
    const first = (
      await emulator.mutate({
        type: 'open-pull-request',
        workspace: ws.slug,
        repository: 'payments-api',
        title: 'PAY-812: Retry card captures',
        authorId: ada.accountId,
        sourceBranch: 'feature/PAY-812-retry',
        sourceCommit: 'a1'.repeat(20),
      })
    ).pullRequestId!;
    await emulator.mutate({
      type: 'build-status',
      workspace: ws.slug,
      repository: 'payments-api',
      commit: 'a1'.repeat(20),
      key: 'pipelines',
      state: 'SUCCESSFUL',
      refname: 'feature/PAY-812-retry',
    });
    await emulator.mutate({
      type: 'review',
      workspace: ws.slug,
      repository: 'payments-api',
      pullRequestId: first,
      accountId: ada.accountId,
      decision: 'approve',
    });
    await mergeCheck('payments-api', first, 'on-merge');
    // 10:00 Grace reviews and approves; the merge goes through and lands in the ledger.
    await step(0.5);
    await emulator.mutate({
      type: 'review',
      workspace: ws.slug,
      repository: 'payments-api',
      pullRequestId: first,
      accountId: grace.accountId,
      decision: 'approve',
    });
    if (await mergeCheck('payments-api', first, 'on-merge'))
      await emulator.mutate({
        type: 'merge-pull-request',
        workspace: ws.slug,
        repository: 'payments-api',
        pullRequestId: first,
        accountId: ada.accountId,
      });

    // 11:00 Alan pushes to checkout-web; the build fails, then passes after a fix.
    await step(1);
    const second = (
      await emulator.mutate({
        type: 'open-pull-request',
        workspace: ws.slug,
        repository: 'checkout-web',
        title: 'WEB-77: Address autocomplete',
        authorId: alan.accountId,
        sourceBranch: 'feature/WEB-77',
        sourceCommit: 'b2'.repeat(20),
      })
    ).pullRequestId!;
    await emulator.mutate({
      type: 'build-status',
      workspace: ws.slug,
      repository: 'checkout-web',
      commit: 'b2'.repeat(20),
      key: 'pipelines',
      state: 'FAILED',
      refname: 'feature/WEB-77',
    });
    await emulator.mutate({
      type: 'review',
      workspace: ws.slug,
      repository: 'checkout-web',
      pullRequestId: second,
      accountId: grace.accountId,
      decision: 'approve',
    });
    await mergeCheck('checkout-web', second, 'on-code-pushed');
    await step(0.5);
    await emulator.mutate({
      type: 'build-status',
      workspace: ws.slug,
      repository: 'checkout-web',
      commit: 'b2'.repeat(20),
      key: 'pipelines',
      state: 'SUCCESSFUL',
      refname: 'feature/WEB-77',
    });
    if (await mergeCheck('checkout-web', second, 'on-merge'))
      await emulator.mutate({
        type: 'merge-pull-request',
        workspace: ws.slug,
        repository: 'checkout-web',
        pullRequestId: second,
        accountId: alan.accountId,
      });

    // 12:00 Someone removes the push restriction on ledger: Bitbucket sends no event for it.
    await step(0.5);
    const ledger = ws.repositories.find((candidate) => candidate.slug === 'ledger')!;
    await emulator.mutate({
      type: 'set-branch-restrictions',
      workspace: ws.slug,
      repository: 'ledger',
      restrictions: ledger.branchRestrictions.filter((r) => r.kind !== 'push'),
    });
    out(`${time()} push restriction removed from ledger (no Bitbucket event: the next hourly run catches it)`);

    // 14:00 A prototype repository is deleted.
    await step(2);
    await emulator.mutate({ type: 'delete-repository', workspace: ws.slug, repository: 'prototype-ar', accountId: ada.accountId });
    out(`${time()} prototype-ar deleted`);

    // The rest of the working day: hourly plans, queued evaluations, summaries.
    await step(4);
    await runtime.drainQueues();

    const now = new Date(clock.now());
    const since = new Date(now.getTime() - policy.reviewWindowDays * 86_400_000);
    const { report, evidence, history } = await runtime.withInstallation(ws.uuid, async () => {
      const store = createStore();
      return {
        report: await reportFromStore(store, {
          workspace: { slug: ws.slug, uuid: ws.uuid },
          policy,
          generatedAt: now,
          version: '0.1.0',
          requests: runtime.productRequests,
        }),
        evidence: await store.listEvidenceBetween(since, now),
        history: await store.recentHistory(new Date(DEMO_NOW), now, 50),
      };
    });
    const o = report.summary.outcomes;
    out('');
    out(`Workspace ${ws.slug}: score ${report.summary.score}, ${report.summary.repositories} repositories`);
    out(`  ${o.pass} pass, ${o.fail} fail, ${o['not-evaluable']} could not be checked, ${o['not-applicable']} not applicable`);
    for (const result of report.workspaceResults) out(`  ${result.control} ${result.outcome}: ${result.message}`);
    const worst = [...report.repositories]
      .filter((r) => r.score !== null)
      .sort((a, b) => a.score! - b.score!)
      .slice(0, 5);
    out(`  lowest scores: ${worst.map((r) => `${r.slug} ${r.score}`).join(', ')}`);
    const compliant = evidence.filter((r) => r.independentlyApproved && r.passingBuild).length;
    out(`  evidence: ${evidence.length} pull requests merged in the last ${policy.reviewWindowDays} days, ${compliant} compliant`);
    for (const change of history.slice(0, 8))
      out(
        `  change ${change.at.slice(11, 16)} ${change.subjectName} ${change.control}: ${change.from ?? '—'} → ${change.to ?? '—'} (${change.cause})`,
      );

    const dir = path.resolve(values.out);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'results.json'), toJson(report));
    fs.writeFileSync(path.join(dir, 'evidence.csv'), evidenceCsv(evidence));
    fs.writeFileSync(
      path.join(dir, 'report.html'),
      htmlReport(report, evidence, history, { since: since.toISOString().slice(0, 10), until: now.toISOString().slice(0, 10) }),
    );
    out('');
    out(
      `Wrote ${path.relative(process.cwd(), dir) || dir}/results.json, evidence.csv and report.html (${((performance.now() - started) / 1000).toFixed(1)} s, ${runtime.productRequests} Bitbucket requests, ${runtime.invocations.length} invocations)`,
    );
    return 0;
  } finally {
    await emulator.close();
  }
}
