/**
 * `npm run bench`: the measured figures of the benchmark issue, on the sandbox (emulator + local runtime +
 * simulated clock). Writes bench/results.json and bench/RESULTS.md and prints the table. Benchmarks are not
 * tests: nothing here fails on a slow machine. `--quick` runs small sizes (used by a test).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installForgeGlobals } from '../local/runtime/runtime';
import { KVS_LIMITS } from '../local/runtime/kvs';

installForgeGlobals();
process.env.ATTEST_LOG_LEVEL = 'silent';

import { DEMO_NOW, demoPolicy, demoSeed, generateWorkspace } from '../local/emulator/seeds';
import { appRequest, createBitbucketClient } from '../src/bitbucket/client';
import { REPOSITORY_CONTROLS } from '../src/controls';
import { evaluateRepository } from '../src/engine/evaluate';
import { scanWorkspace } from '../src/engine/scan';
import { Repository } from '../src/bitbucket/schemas';
import { toRepositoryRecord } from '../src/services/repository-record';
import { Policy } from '../src/policy/policy';
import { resolveRepository } from '../src/policy/resolve';
import { z } from 'zod';
import { createStore } from '../src/store/store';
import { ROOT, kvsPeaks, sandbox, storedRepositories, type Figure, type Sandbox } from './sandbox';
import { faultsAtScale } from './faults';
import { repositorySnapshot, repository, restriction, ok, merged, pipeline } from '../test/builders/snapshot';

const quick = process.argv.includes('--quick');
const outDir = process.argv.includes('--out') ? path.resolve(process.argv[process.argv.indexOf('--out') + 1]!) : path.join(ROOT, 'bench');

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Requests per repository of a direct scan, against the floor: one request per data need (per page). */
async function requestsPerRepository(): Promise<Figure> {
  const s = await sandbox(demoSeed());
  const policy = Policy.parse(demoPolicy(s.emulator.seed));
  const report = await scanWorkspace({
    client: createBitbucketClient({ request: appRequest() }),
    workspace: 'acme',
    policy,
    now: new Date(DEMO_NOW),
    version: 'bench',
  });
  let floor = 2; // the workspace and the repository list
  for (const repo of report.repositories) {
    const identity = { slug: repo.slug, uuid: repo.uuid, projectKey: repo.project };
    const resolved = resolveRepository(REPOSITORY_CONTROLS, { identity, mainBranch: repo.mainBranch }, policy, new Date(DEMO_NOW));
    const needs = [...resolved.needs].filter((need) => need !== 'repository' && need !== 'effectiveBranchingModel');
    const usesModel = s.ws.repositories
      .find((r) => r.slug === repo.slug)!
      .branchRestrictions.some((r) => r.branch_match_kind === 'branching_model');
    const pr = repo.results.find((r) => r.control === 'BB-PR-1')?.evidence as { merged?: number } | undefined;
    const pipelinesOff = repo.results.find((r) => r.control === 'BB-CI-2')?.outcome === 'fail';
    // Each need is one request; the file is not read when Pipelines is off, and reading it takes two (the main
    // branch's head commit, then the file at that commit); each merged PR needs its statuses.
    const readsFile = needs.includes('pipelinesFile') && !pipelinesOff;
    floor +=
      needs.length -
      (pipelinesOff && needs.includes('pipelinesFile') ? 1 : 0) +
      (readsFile ? 1 : 0) +
      (usesModel && resolved.applicable.length > 2 ? 1 : 0) +
      (pr?.merged ?? 0);
  }
  floor += 2; // members, workspace permissions
  const requests = s.emulator.log.length;
  await s.emulator.close();
  const ratio = requests / floor;
  return {
    figure: 'Bitbucket requests per repository for a full scan (demo seed), and ÷ the floor of distinct data needs',
    value: `${(requests / report.repositories.length).toFixed(2)} a repository; ${ratio.toFixed(3)} × the floor (${requests} requests, floor ${floor})`,
    target: '≤ 1.1 × the floor',
    data: { requests, floor, repositories: report.repositories.length, ratio },
  };
}

/**
 * Simulated time until every repository of a generated workspace has been evaluated once, measured from the
 * install to the last repository's `evaluatedAt` (the simulation runs hour by hour; the figure is exact).
 */
async function hoursToFullPass(size: number): Promise<Figure> {
  // KVS limits are counted, not enforced, so the figure shows how close the run comes to them.
  const s = await sandbox(generateWorkspace(size), { kvs: { rateLimits: 'count' } });
  const started = performance.now();
  const installedAt = s.clock.now();
  await s.runtime.install(s.ws.uuid);
  const records = () => storedRepositories(s);
  let simulatedHours = 0;
  while (records().filter((record) => record.evaluatedAt !== null).length < size && simulatedHours < 200) {
    await s.runtime.runFor(3_600_000);
    simulatedHours++;
  }
  const lastEvaluated = Math.max(
    ...records().map((record) => (record.evaluatedAt ? Date.parse(record.evaluatedAt) : Number.POSITIVE_INFINITY)),
  );
  const hours = (lastEvaluated - installedAt) / 3_600_000;
  // The requests spent until then (the hourly re-plans of later hours are not part of the first pass).
  const requests = s.emulator.log.filter((entry) => entry.at <= lastEvaluated).length;
  const r429 = s.emulator.log.filter((entry) => entry.status === 429).length;
  const kvs = kvsPeaks(s);
  await s.emulator.close();
  const ideal = requests / 800;
  return {
    figure: `Simulated hours until all ${size.toLocaleString('en')} repositories are evaluated once (1,000 requests an hour, budget 800); 429s`,
    value: `${hours.toFixed(2)} h (floor ${ideal.toFixed(2)} h at 800/h; ${(hours / ideal).toFixed(2)} ×); ${r429} × 429; ${requests.toLocaleString('en')} requests; ${((performance.now() - started) / 1000).toFixed(0)} s wall; KVS ${kvs.text}`,
    target: 'within 1.1 × (requests ÷ hourly budget); zero 429s; KVS within 4,000 read and write units a minute, batches ≤ 4 MB',
    data: { size, hours, requests, r429, ideal, ratio: hours / ideal, wallSeconds: (performance.now() - started) / 1000, kvs: kvs.data },
  };
}

/**
 * The fault suite at scale: a generated workspace scanned while Bitbucket limits, fails, stalls and answers
 * badly, KVS refuses writes in bursts and the queue duplicates and reorders, with pull requests merged
 * meanwhile. Compared with the fault-free run on the same seed: false passes, gaps left, evidence kept,
 * the time to a full pass, and the requests spent in the busiest hour.
 */
/** The merge check: requests per check and our own time per check, with the emulator instant and at 100 ms. */
async function mergeCheck(latencyMs: number): Promise<Figure> {
  const s = await sandbox(demoSeed());
  await s.runtime.install(s.ws.uuid);
  await s.runtime.drainQueues();
  const repo = s.ws.repositories.find((candidate) => candidate.slug === 'ledger')!;
  const id = (
    await s.emulator.mutate({
      type: 'open-pull-request',
      workspace: 'acme',
      repository: 'ledger',
      title: 'ACME-1',
      authorId: s.emulator.seed.users[0]!.accountId,
      sourceBranch: 'feature/1',
      sourceCommit: '1'.repeat(40),
    })
  ).pullRequestId!;
  // Approved by someone else: the check then also reads the activity log (was it given after the latest push?),
  // the most a merge check asks.
  await s.emulator.mutate({
    type: 'review',
    workspace: 'acme',
    repository: 'ledger',
    pullRequestId: id,
    accountId: s.emulator.seed.users[1]!.accountId,
    decision: 'approve',
  });
  if (latencyMs > 0) s.emulator.addFault({ path: 'pullrequests', kind: 'latency', latencyMs });
  const runs = quick ? 20 : 200;
  const own: number[] = [];
  let requests = 0;
  for (let i = 0; i < runs; i++) {
    const before = s.emulator.log.length;
    const { record } = await s.runtime.mergeCheck({
      workspace: { uuid: s.ws.uuid },
      repository: { uuid: repo.uuid },
      pullrequest: { id },
      trigger: { type: 'on-merge' },
    });
    const entries = s.emulator.log.slice(before);
    requests = Math.max(requests, entries.length);
    // Our own time: the invocation minus the time the emulator spent answering.
    own.push(record.durationMs - entries.reduce((sum, entry) => sum + entry.durationMs, 0));
  }
  await s.emulator.close();
  return {
    figure: `Merge check with ${latencyMs === 0 ? 'the emulator answering instantly' : `${latencyMs} ms latency`}: requests per check; our own time p50 / p99`,
    value: `${requests} requests; p50 ${percentile(own, 50).toFixed(1)} ms, p99 ${percentile(own, 99).toFixed(1)} ms (${runs} checks; includes local HTTP and KVS)`,
    target: '≤ 3 requests (2 when no approval needs dating); p99 ≤ 20 ms of our own time',
    data: { latencyMs, requests, p50: percentile(own, 50), p99: percentile(own, 99), runs },
  };
}

/** The engine alone: 10,000 collected repository snapshots against the whole catalogue. */
function engine(): Figure {
  const count = quick ? 1000 : 10_000;
  const policy = Policy.parse({});
  const snapshots = Array.from({ length: count }, (_, i) =>
    repositorySnapshot({
      repository: ok(repository({ uuid: `{00000000-0000-4000-8000-${String(i).padStart(12, '0')}}`, slug: `r${i}` })),
      branchRestrictions: ok([
        restriction('push'),
        restriction('force'),
        restriction('require_approvals_to_merge', { value: i % 3 }),
        restriction('enforce_merge_checks'),
      ]),
      mainBranchPipelines: ok([pipeline('SUCCESSFUL', 1), pipeline('FAILED', 2)]),
      mergedPullRequests: ok([merged(1), merged(2)]),
    }),
  );
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  let peak = 0;
  for (const [i, snapshot] of snapshots.entries()) {
    const identity = { slug: `r${i}`, uuid: `{00000000-0000-4000-8000-${String(i).padStart(12, '0')}}`, projectKey: null };
    const now = new Date(DEMO_NOW);
    evaluateRepository(snapshot, resolveRepository(REPOSITORY_CONTROLS, { identity, mainBranch: 'main' }, policy, now), { policy, now });
    if (i % 500 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - started) / 1000;
  peak = Math.max(peak, process.memoryUsage().rss);
  return {
    figure: `Engine: ${count.toLocaleString('en')} collected snapshots × the 17 repository controls`,
    value: `${seconds.toFixed(2)} s; peak RSS ${(peak / 1024 / 1024).toFixed(0)} MB (heap before ${(heapBefore / 1024 / 1024).toFixed(0)} MB)`,
    target: 'under 2 s and 256 MB',
    data: { count, seconds, peakRssMb: peak / 1024 / 1024 },
  };
}

/** Stores every repository of the sandbox's workspace as evaluated (17 passes), as tooling: no scan. */
async function storeEvaluated(s: Sandbox): Promise<void> {
  const results = REPOSITORY_CONTROLS.map((control) => ({ control: control.id, outcome: 'pass' as const, message: 'ok', evidence: {} }));
  const at = new Date(DEMO_NOW).toISOString();
  await s.runtime.withInstallation(s.ws.uuid, async () => {
    const store = createStore();
    for (const repo of s.ws.repositories) {
      const listed = {
        uuid: repo.uuid,
        slug: repo.slug,
        name: repo.name,
        full_name: `acme/${repo.slug}`,
        is_private: true,
        mainbranch: { name: 'main' },
        project: { key: repo.projectKey },
      };
      const base = toRepositoryRecord(Repository.parse(listed), new Date(DEMO_NOW), 'bench');
      await store.putRepository({ ...base, classification: 'production', score: 100, results, evaluatedAt: at, requests: 8 });
    }
  });
}

/** The dashboard resolver: KVS calls and bytes per load at a number of repositories. */
async function dashboardReads(size: number): Promise<Figure> {
  const s = await sandbox(generateWorkspace(size, 0), { kvs: { rateLimits: 'count' } });
  const installation = s.runtime.installation(s.ws.uuid);
  // The workspace's `size` repositories stored as evaluated (no scan needed for this figure), then the summary.
  await storeEvaluated(s);
  await s.runtime.withInstallation(s.ws.uuid, async () => {
    const { rebuildSummary } = await import('../src/services/summary');
    await rebuildSummary(createStore(), new Date(DEMO_NOW));
  });
  // As a workspace owner (the emulator accepts any token when the seed lists no credentials). The first
  // load lists the repositories the person can read (one request per 100) and keeps the answer 5 minutes;
  // the next loads within those minutes read it back.
  const owner = s.emulator.seed.users[0]!.accountId;
  const measure = async (key: string) => {
    const before = { ...installation.kvs.stats };
    const requestsBefore = s.emulator.log.length;
    await s.runtime.resolve('compliance-dashboard', key, {}, { workspaceUuid: s.ws.uuid, accountId: owner });
    const after = installation.kvs.stats;
    return {
      calls: after.readCalls - before.readCalls + (after.queries - before.queries),
      values: after.reads - before.reads,
      queries: after.queries - before.queries,
      bytes: after.bytesRead - before.bytesRead,
      writes: after.writes - before.writes,
      requests: s.emulator.log.length - requestsBefore,
    };
  };
  const cold = await measure('dashboard/get');
  const load = await measure('dashboard/get');
  const tab = await measure('dashboard/repositories');
  await s.emulator.close();
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  return {
    figure: `Dashboard resolver at ${size.toLocaleString('en')} repositories: KVS reads and bytes per load, and for the Repositories tab`,
    value: `load: ${load.calls - load.queries} reads + ${load.queries} history queries, ${kib(load.bytes)}; first load of a person in 5 minutes adds ${cold.requests} Bitbucket requests (membership, owners, the repositories they can read) and ${cold.writes} KVS writes; Repositories tab when opened: ${tab.calls} reads (${tab.values} values), ${kib(tab.bytes)}`,
    target:
      'a constant number of reads (≤ 3 for the summary, plus the viewer cache); who may see what costs one request per 100 repositories once per person in 5 minutes',
    data: { size, load, firstLoad: cold, repositoriesTab: tab },
  };
}

/**
 * KVS use of one hourly plan and one summary rebuild at a number of evaluated repositories, against Forge's
 * per-installation limits (4,000 read and 4,000 write units of 10 KB a minute; batches ≤ 4 MB:
 * https://developer.atlassian.com/platform/forge/limits-kvs-ce/). Both run within a simulated minute, so
 * their units are what that minute spends. Counted, not enforced, so the figure shows the excess.
 */
async function kvsLimits(size: number): Promise<Figure> {
  const s = await sandbox(generateWorkspace(size, 0), { kvs: { rateLimits: 'count' } });
  const installation = s.runtime.installation(s.ws.uuid);
  const workspaceUuid = s.ws.uuid.replace(/[{}]/g, '');
  await storeEvaluated(s);
  const measure = async (body: Record<string, unknown>) => {
    s.clock.advance(120_000); // a fresh minute
    const before = { ...installation.kvs.stats };
    const { record } = await s.runtime.invoke(
      { functionKey: 'scan-job-fn', module: 'consumer:scan-job-consumer', installation },
      {
        body,
        queueName: 'attest-scan-jobs',
        jobId: 'bench',
        eventId: 'bench',
      },
    );
    const after = installation.kvs.stats;
    return {
      outcome: record.outcome,
      readUnits: after.readUnits - before.readUnits,
      writeUnits: after.writeUnits - before.writeUnits,
      calls: after.readCalls + after.queries - before.readCalls - before.queries,
    };
  };
  const plan = await measure({ kind: 'plan', workspaceUuid, cause: 'bench' });
  const summary = await measure({ kind: 'summary', workspaceUuid, cause: 'bench' });
  const largestBatch = installation.kvs.stats.largestBatchBytes;
  await s.emulator.close();
  const limit = KVS_LIMITS.readUnitsPerMinute;
  const within = (units: number) =>
    units <= limit * 0.5
      ? 'within, with half to spare'
      : units <= limit
        ? 'within, under half to spare'
        : `${(units / limit).toFixed(1)} × the limit`;
  return {
    figure: `KVS units of one hourly plan and one summary rebuild at ${size.toLocaleString('en')} evaluated repositories (Forge: 4,000 read and 4,000 write units a minute)`,
    value: `plan ${plan.readUnits.toLocaleString('en')} read / ${plan.writeUnits.toLocaleString('en')} write units (${within(plan.readUnits)}); summary ${summary.readUnits.toLocaleString('en')} read / ${summary.writeUnits.toLocaleString('en')} write units (${within(summary.readUnits)}); largest batch ${(largestBatch / 1024 / 1024).toFixed(2)} MB`,
    target: 'each ≤ 2,000 units (half the per-minute limit); batches ≤ 4 MB',
    data: { size, plan, summary, largestBatchBytes: largestBatch },
  };
}

/** Requests and KVS operations per pull-request event and per merge. */
async function eventCosts(size: number): Promise<Figure> {
  const s = await sandbox(generateWorkspace(size, 1));
  const repo = s.ws.repositories[0]!;
  // As after install: the repository's record is stored (the merge check and card read its main branch).
  await s.runtime.withInstallation(s.ws.uuid, () =>
    createStore().putRepository({
      uuid: repo.uuid.replace(/[{}]/g, ''),
      slug: repo.slug,
      fullName: `${s.ws.slug}/${repo.slug}`,
      name: repo.name,
      isPrivate: true,
      mainBranch: repo.mainBranch,
      projectKey: repo.projectKey,
      htmlUrl: null,
      observedAt: new Date(DEMO_NOW).toISOString(),
      cause: 'bench',
      classification: 'production',
      score: null,
      results: null,
      evaluatedAt: null,
      requests: 0,
      ledgerFrom: null,
      ledgerCheckedAt: null,
    }),
  );
  const kvs = s.runtime.installation(s.ws.uuid).kvs;
  const author = s.emulator.seed.users[0]!.accountId;
  const ops = () => kvs.stats.reads + kvs.stats.writes + kvs.stats.deletes + kvs.stats.queries;
  /** Bitbucket requests and KVS operations one mutation's event costs the app. */
  const cost = async <T>(act: () => Promise<T>) => {
    const [requests, operations] = [s.emulator.log.length, ops()];
    const result = await act();
    return { result, requests: s.emulator.log.length - requests, kvs: ops() - operations };
  };
  const where = { workspace: s.ws.slug, repository: repo.slug };
  const opened = await cost(() =>
    s.emulator.mutate({
      type: 'open-pull-request',
      ...where,
      title: 'X-1',
      authorId: author,
      sourceBranch: 'feature/x',
      sourceCommit: 'e'.repeat(40),
    }),
  );
  const id = opened.result.pullRequestId ?? 0;
  const mergedPr = await cost(() => s.emulator.mutate({ type: 'merge-pull-request', ...where, pullRequestId: id, accountId: author }));
  const [eventRequests, eventKvs, mergeRequests, mergeKvs] = [opened.requests, opened.kvs, mergedPr.requests, mergedPr.kvs];
  await s.emulator.close();
  return {
    figure: `Event handling at ${size.toLocaleString('en')} repositories: Bitbucket requests and KVS operations per pull-request event / per merge`,
    value: `event ${eventRequests} requests, ${eventKvs} KVS ops; merge ${mergeRequests} requests, ${mergeKvs} KVS ops`,
    target: 'stated, and the same at 10 and 10,000 repositories',
    data: { size, eventRequests, eventKvs, mergeRequests, mergeKvs },
  };
}

/** `attest scan` of the demo seed as a process: wall time and peak memory (GNU time's %M, in KiB). */
async function scanProcess(): Promise<Figure> {
  const bin = path.join(ROOT, 'bin', 'attest.js');
  const s = await sandbox(demoSeed());
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'attest-bench-'));
  const args = [
    bin,
    'scan',
    '--workspace',
    'acme',
    '--base-url',
    s.emulator.url,
    '--format',
    'json',
    '--out',
    path.join(state, 'out.json'),
    '--state-dir',
    state,
  ];
  const env = { ...process.env, BITBUCKET_TOKEN: 'bench-scan' };
  const timed = fs.existsSync('/usr/bin/time');
  const started = performance.now();
  // Asynchronously: the emulator answering the scan runs in this process.
  const run = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
    const child = timed ? spawn('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { env }) : spawn(process.execPath, args, { env });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stderr }));
  });
  const wall = (performance.now() - started) / 1000;
  await s.emulator.close();
  const peakKb = timed ? Number(run.stderr.trim().split('\n').pop()) || 0 : 0;
  return {
    figure: '`attest scan` of the demo seed (44 repositories): wall time and peak memory of the process',
    value: `${wall.toFixed(1)} s wall; peak RSS ${peakKb ? `${(peakKb / 1024).toFixed(0)} MB` : 'not measured (no /usr/bin/time)'}; exit ${run.status}`,
    target: 'stated',
    data: { wallSeconds: wall, peakRssMb: peakKb / 1024, exit: run.status },
  };
}

/** A results file of an earlier run, read back by `--only`. */
const PreviousResults = z.object({
  commit: z.string().optional(),
  generatedAt: z.string().optional(),
  figures: z
    .array(
      z.object({
        figure: z.string(),
        value: z.string(),
        target: z.string(),
        data: z.record(z.string(), z.unknown()),
        commit: z.string().optional(),
        measuredAt: z.string().optional(),
      }),
    )
    .default([]),
});

async function main(): Promise<void> {
  // The commit measured is the one checked out when the run starts (a long run may outlive later commits).
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
    if (execFileSync('git', ['status', '--porcelain', '--', 'src', 'local', 'bench/run.ts'], { cwd: ROOT }).toString().trim() !== '')
      commit += ' with uncommitted changes';
  } catch {
    // not a checkout
  }
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1]!.split(',') : null;
  const figures: Figure[] = [];
  const step = async (label: string, run: () => Promise<Figure> | Figure) => {
    if (only && !only.some((name) => label.startsWith(name))) return;
    process.stderr.write(`bench: ${label}…\n`);
    figures.push(await run());
    writeResults(figures, commit, only);
  };
  // The engine first, so its memory figure is not inflated by the sandboxes that follow.
  await step('engine', engine);
  await step('requests per repository', requestsPerRepository);
  const sizesArg = process.argv.includes('--sizes') ? process.argv[process.argv.indexOf('--sizes') + 1]! : null;
  const sizes = sizesArg ? sizesArg.split(',').map(Number) : quick ? [100] : [1000, 5000, 10_000];
  for (const size of sizes) await step(`full pass of ${size}`, () => hoursToFullPass(size));
  const faultSize = quick ? 100 : 1000;
  await step(`faults at ${faultSize}`, () => faultsAtScale(faultSize));
  await step('merge check', () => mergeCheck(0));
  await step('merge check at 100 ms', () => mergeCheck(100));
  for (const size of quick ? [10, 100] : [10, 1000, 10_000]) await step(`dashboard at ${size}`, () => dashboardReads(size));
  for (const size of quick ? [10, 100] : [10, 10_000]) await step(`event costs at ${size}`, () => eventCosts(size));
  for (const size of quick ? [100] : [1000, 10_000]) await step(`kvs limits at ${size}`, () => kvsLimits(size));
  await step('attest scan process', scanProcess);

  const table = writeResults(figures, commit, only);
  process.stdout.write(`${table}\n`);
}

/**
 * Writes results.json and RESULTS.md with the figures measured so far (after every step, so a run cut short
 * keeps what it measured). `--only` keeps the other figures of the previous run, each with its own commit.
 */
function writeResults(figures: Figure[], commit: string, only: string[] | null): string {
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}`;
  const generatedAt = new Date().toISOString();
  const stamped = figures.map((figure) => ({ ...figure, commit, measuredAt: generatedAt }));
  const file = path.join(outDir, quick ? 'results-quick.json' : 'results.json');
  // `--only` re-measures some figures and keeps the others from the previous run, each with its own commit.
  let kept: Array<Figure & { commit?: string; measuredAt?: string }> = [];
  if (only && fs.existsSync(file)) {
    const previous = PreviousResults.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
    kept = previous.figures.map((figure) => ({
      ...figure,
      commit: figure.commit ?? previous.commit,
      measuredAt: figure.measuredAt ?? previous.generatedAt,
    }));
  }
  const merged =
    kept.length === 0
      ? stamped
      : kept.map((figure) => stamped.find((fresh) => fresh.figure.replace(/\(.*$/, '') === figure.figure.replace(/\(.*$/, '')) ?? figure);
  for (const fresh of stamped) if (!merged.includes(fresh)) merged.push(fresh);
  const commits = [...new Set(merged.map((figure) => figure.commit))];
  const results = { generatedAt, commit: commits.join(', '), machine, quick, figures: merged };
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  const table = [
    `Measured ${generatedAt.slice(0, 10)} on ${machine}, commit ${commits.length === 1 ? commit : `${commits.join(' and ')} (the "measured at" column says which)`}${quick ? ' (quick run: small sizes)' : ''}.`,
    '',
    commits.length === 1 ? '| figure | measured | target |' : '| figure | measured | target | measured at |',
    commits.length === 1 ? '| --- | --- | --- |' : '| --- | --- | --- | --- |',
    ...merged.map((f) => `| ${f.figure} | ${f.value} | ${f.target} |${commits.length === 1 ? '' : ` ${f.commit} |`}`),
    '',
  ].join('\n');
  fs.writeFileSync(path.join(outDir, quick ? 'RESULTS-quick.md' : 'RESULTS.md'), `# Benchmark results\n\n${table}`);
  return table;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
