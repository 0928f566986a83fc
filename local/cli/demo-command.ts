/**
 * `attest demo` (`npm start`): the built-in emulator with the demo workspace, the app installed into the
 * local runtime, the install scan through the queue, then a scripted day of activity on the simulated
 * clock — pull requests opened, approved by their authors and by others, builds passing and failing,
 * merges, merge checks on the way, a branch restriction removed and caught on the next hourly run, a
 * repository deleted — then the dashboard summary and `attest-report/` (results JSON, evidence CSV, HTML).
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseCommand, type Definition } from './program';
import { Policy } from '../../src/policy/policy';
import { evidenceCsv } from '../../src/report/evidence';
import { toJson } from '../../src/report/formats';
import { reportFromStore } from '../../src/report/from-store';
import { htmlReport } from '../../src/report/html';
import { createStore } from '../../src/store/store';
import { BitbucketEmulator, Mutation } from '../emulator/server';
import { DEMO_NOW, demoPolicy, demoSeed } from '../emulator/seeds';
import { SimClock } from '../runtime/clock';
import { LocalForgeRuntime } from '../runtime/runtime';
import { ROOT } from './app-session';

const HOUR = 3_600_000;

/** The demo's world: the emulator, the app's runtime, the workspace, the policy and where lines go. */
interface Demo {
  emulator: BitbucketEmulator;
  runtime: LocalForgeRuntime;
  clock: SimClock;
  ws: BitbucketEmulator['seed']['workspaces'][number];
  policy: Policy;
  out: (line: string) => void;
}

const time = (demo: Demo) => new Date(demo.clock.now()).toISOString().slice(11, 16);
const step = (demo: Demo, hours: number) => demo.runtime.runFor(hours * HOUR);
const mutate = (demo: Demo, mutation: Record<string, unknown>) =>
  demo.emulator.mutate(Mutation.parse({ workspace: demo.ws.slug, ...mutation }));

async function mergeCheck(demo: Demo, where: { repository: string; id: number }, trigger: string): Promise<boolean> {
  const repo = demo.ws.repositories.find((candidate) => candidate.slug === where.repository);
  if (!repo) throw new Error(`the demo workspace has no ${where.repository}`);
  const { result } = await demo.runtime.mergeCheck({
    workspace: { uuid: demo.ws.uuid },
    repository: { uuid: repo.uuid },
    pullrequest: { id: where.id },
    trigger: { type: trigger },
  });
  const decision = result as { success: boolean; message: string };
  demo.out(
    `${time(demo)} merge check (${trigger}) ${where.repository} #${where.id}: ${decision.success ? 'PASS' : 'BLOCKED'} — ${decision.message.split('\n').join(' | ')}`,
  );
  return decision.success;
}

/** A pull request opened with one build status on its head; returns its id. */
async function openWithBuild(
  demo: Demo,
  pr: { repository: string; title: string; authorId: string; branch: string; commit: string; build: string },
): Promise<number> {
  const { pullRequestId } = await mutate(demo, {
    type: 'open-pull-request',
    repository: pr.repository,
    title: pr.title,
    authorId: pr.authorId,
    sourceBranch: pr.branch,
    sourceCommit: pr.commit,
  });
  await mutate(demo, {
    type: 'build-status',
    repository: pr.repository,
    commit: pr.commit,
    key: 'pipelines',
    state: pr.build,
    refname: pr.branch,
  });
  if (pullRequestId === undefined) throw new Error('the emulator opened no pull request');
  return pullRequestId;
}

/** 09:30 Ada opens a pull request on payments-api and approves it herself; 10:00 Grace approves and it merges. */
async function selfApprovalThenReview(demo: Demo, people: { ada: string; grace: string }): Promise<void> {
  await step(demo, 0.5);
  const where = { repository: 'payments-api', id: 0 };
  where.id = await openWithBuild(demo, {
    repository: where.repository,
    title: 'PAY-812: Retry card captures',
    authorId: people.ada,
    branch: 'feature/PAY-812-retry',
    commit: 'a1'.repeat(20),
    build: 'SUCCESSFUL',
  });
  await mutate(demo, { type: 'review', repository: where.repository, pullRequestId: where.id, accountId: people.ada, decision: 'approve' });
  await mergeCheck(demo, where, 'on-merge');
  await step(demo, 0.5);
  await mutate(demo, {
    type: 'review',
    repository: where.repository,
    pullRequestId: where.id,
    accountId: people.grace,
    decision: 'approve',
  });
  if (await mergeCheck(demo, where, 'on-merge'))
    await mutate(demo, { type: 'merge-pull-request', repository: where.repository, pullRequestId: where.id, accountId: people.ada });
}

/** 11:00 Alan pushes to checkout-web; the build fails, then passes after a fix, and it merges. */
async function failingBuildThenFix(demo: Demo, people: { alan: string; grace: string }): Promise<void> {
  await step(demo, 1);
  const commit = 'b2'.repeat(20);
  const where = { repository: 'checkout-web', id: 0 };
  where.id = await openWithBuild(demo, {
    repository: where.repository,
    title: 'WEB-77: Address autocomplete',
    authorId: people.alan,
    branch: 'feature/WEB-77',
    commit,
    build: 'FAILED',
  });
  await mutate(demo, {
    type: 'review',
    repository: where.repository,
    pullRequestId: where.id,
    accountId: people.grace,
    decision: 'approve',
  });
  await mergeCheck(demo, where, 'on-code-pushed');
  await step(demo, 0.5);
  await mutate(demo, {
    type: 'build-status',
    repository: where.repository,
    commit,
    key: 'pipelines',
    state: 'SUCCESSFUL',
    refname: 'feature/WEB-77',
  });
  if (await mergeCheck(demo, where, 'on-merge'))
    await mutate(demo, { type: 'merge-pull-request', repository: where.repository, pullRequestId: where.id, accountId: people.alan });
}

/** 12:00 someone removes ledger's push restriction (no event); 14:00 a prototype is deleted; then the day runs on. */
async function driftAndDeletion(demo: Demo, ada: string): Promise<void> {
  await step(demo, 0.5);
  const ledger = demo.ws.repositories.find((candidate) => candidate.slug === 'ledger');
  await mutate(demo, {
    type: 'set-branch-restrictions',
    repository: 'ledger',
    restrictions: (ledger?.branchRestrictions ?? []).filter((r) => r.kind !== 'push'),
  });
  demo.out(`${time(demo)} push restriction removed from ledger (no Bitbucket event: the next hourly run catches it)`);
  await step(demo, 2);
  await mutate(demo, { type: 'delete-repository', repository: 'prototype-ar', accountId: ada });
  demo.out(`${time(demo)} prototype-ar deleted`);
  // The rest of the working day: hourly plans, queued evaluations, summaries.
  await step(demo, 4);
  await demo.runtime.drainQueues();
}

/** What the app stored by the end of the day, as the report, the evidence and the history. */
async function endOfDay(demo: Demo) {
  const now = new Date(demo.clock.now());
  const since = new Date(now.getTime() - demo.policy.reviewWindowDays * 86_400_000);
  const stored = await demo.runtime.withInstallation(demo.ws.uuid, async () => {
    const store = createStore();
    return {
      report: await reportFromStore(store, {
        workspace: { slug: demo.ws.slug, uuid: demo.ws.uuid },
        policy: demo.policy,
        generatedAt: now,
        version: '0.1.0',
        requests: demo.runtime.productRequests,
      }),
      evidence: await store.listEvidenceBetween(since, now),
      history: await store.recentHistory(new Date(DEMO_NOW), now, 50),
    };
  });
  return { ...stored, since, now };
}

function printSummary(demo: Demo, day: Awaited<ReturnType<typeof endOfDay>>): void {
  const { report, evidence, history } = day;
  const { out } = demo;
  const o = report.summary.outcomes;
  out('');
  out(`Workspace ${demo.ws.slug}: score ${report.summary.score}, ${report.summary.repositories} repositories`);
  out(`  ${o.pass} pass, ${o.fail} fail, ${o['not-evaluable']} could not be checked, ${o['not-applicable']} not applicable`);
  for (const result of report.workspaceResults) out(`  ${result.control} ${result.outcome}: ${result.message}`);
  const worst = report.repositories
    .flatMap((r) => (r.score === null ? [] : [{ slug: r.slug, score: r.score }]))
    .sort((a, b) => a.score - b.score)
    .slice(0, 5);
  out(`  lowest scores: ${worst.map((r) => `${r.slug} ${r.score}`).join(', ')}`);
  const compliant = evidence.filter((r) => r.independentlyApproved && r.passingBuild).length;
  out(`  evidence: ${evidence.length} pull requests merged in the last ${demo.policy.reviewWindowDays} days, ${compliant} compliant`);
  for (const change of history.slice(0, 8))
    out(
      `  change ${change.at.slice(11, 16)} ${change.subjectName} ${change.control}: ${change.from ?? '—'} → ${change.to ?? '—'} (${change.cause})`,
    );
}

function writeReport(dir: string, day: Awaited<ReturnType<typeof endOfDay>>): void {
  const { report, evidence, history, since, now } = day;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'results.json'), toJson(report));
  fs.writeFileSync(path.join(dir, 'evidence.csv'), evidenceCsv(evidence));
  fs.writeFileSync(
    path.join(dir, 'report.html'),
    htmlReport(report, evidence, history, { since: since.toISOString().slice(0, 10), until: now.toISOString().slice(0, 10) }),
  );
}

export const DEMO: Definition = {
  name: 'demo',
  summary: 'the demo on the built-in emulator: install, scan, events, a merge check; writes a report',
  define: (command) => command.option('--out <dir>', 'where the report, evidence and SARIF are written', 'attest-report'),
};

export async function runDemoCommand(
  argv: readonly string[],
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  const values = parseCommand(DEMO, argv, z.object({ out: z.string().min(1) }), { stdout: process.stdout, stderr: process.stderr });
  const started = performance.now();
  const clock = new SimClock(DEMO_NOW);
  const emulator = new BitbucketEmulator(demoSeed(), clock);
  await emulator.listen();
  try {
    const runtime = new LocalForgeRuntime({ root: ROOT, bitbucketBaseUrl: emulator.url, auth: { app: 'Bearer attest-demo' }, clock });
    emulator.onEvent((event) => runtime.emit(event));
    const [ws] = emulator.seed.workspaces;
    const [ada, grace, alan] = emulator.seed.users.map((user) => user.accountId);
    if (!ws || !ada || !grace || !alan) throw new Error('the demo seed has no workspace or fewer than three people');
    const demo: Demo = { emulator, runtime, clock, ws, policy: Policy.parse(demoPolicy(emulator.seed)), out };
    out(`Bitbucket emulator on ${emulator.url}: workspace ${ws.slug}, ${ws.repositories.length} repositories`);
    await runtime.withInstallation(ws.uuid, () => createStore().putPolicy(demo.policy));
    await runtime.install(ws.uuid);
    await runtime.drainQueues();
    out(
      `${time(demo)} installed; install scan done: ${runtime.productRequests} Bitbucket requests, ${runtime.invocations.length} invocations`,
    );
    await selfApprovalThenReview(demo, { ada, grace });
    await failingBuildThenFix(demo, { alan, grace });
    await driftAndDeletion(demo, ada);
    const day = await endOfDay(demo);
    printSummary(demo, day);
    const dir = path.resolve(values.out);
    writeReport(dir, day);
    out('');
    out(
      `Wrote ${path.relative(process.cwd(), dir) || dir}/results.json, evidence.csv and report.html (${((performance.now() - started) / 1000).toFixed(1)} s, ${runtime.productRequests} Bitbucket requests, ${runtime.invocations.length} invocations)`,
    );
    return 0;
  } finally {
    await emulator.close();
  }
}
