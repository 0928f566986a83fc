/**
 * `npm run bench`: the measured figures of the benchmark issue, on the sandbox (emulator + local runtime +
 * simulated clock), one file per figure in bench/figures/. Writes bench/results.json and bench/RESULTS.md and
 * prints the table. Benchmarks are not tests: nothing here fails on a slow machine. `--quick` runs small sizes
 * (used by a test), `--only a,b` re-measures the figures whose labels start so, `--sizes` the full-pass sizes.
 */
import { busyRepository } from './figures/busy-repository';
import { deliveryBackfill, deliveryDashboard, deliveryEventCosts } from './figures/delivery';
import { accessSnapshot } from './figures/access-snapshot';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { installForgeGlobals } from '../local/runtime/runtime';

installForgeGlobals();
process.env.ATTEST_LOG_LEVEL = 'silent';

import { dashboardReads } from './figures/dashboard';
import { engine } from './figures/engine';
import { eventCosts } from './figures/event-costs';
import { backfillRequests, verifyTime } from './figures/evidence';
import { faultsAtScale } from './figures/faults';
import { hoursToFullPass } from './figures/full-pass';
import { kvsLimits } from './figures/kvs-limits';
import { mergeCheck } from './figures/merge-check';
import { requestsPerRepository } from './figures/requests-per-repository';
import { scanProcess } from './figures/scan-process';
import { writeResults, type RunInfo } from './results';
import { ROOT, type Figure } from './sandbox';

/** The value after a command-line flag, if the flag is there. */
function argument(flag: string): string | null {
  const index = process.argv.indexOf(flag);
  return index >= 0 ? (process.argv[index + 1] ?? null) : null;
}

function outDirectory(): string {
  const out = argument('--out');
  return out ? path.resolve(out) : path.join(ROOT, 'bench');
}

/** The commit measured: the one checked out when the run starts (a long run may outlive later commits). */
function commitMeasured(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'local', 'bench'], { cwd: ROOT }).toString().trim() !== '';
    return dirty ? `${commit} with uncommitted changes` : commit;
  } catch {
    return 'unknown'; // not a checkout
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const commit = commitMeasured();
  const only = argument('--only')?.split(',') ?? null;
  const run: RunInfo = { commit, only, quick, outDir: outDirectory() };
  const options = { quick };
  const figures: Figure[] = [];
  const step = async (label: string, measure: () => Promise<Figure> | Figure) => {
    if (only && !only.some((name) => label.startsWith(name))) return;
    process.stderr.write(`bench: ${label}…\n`);
    figures.push(await measure());
    writeResults(figures, run);
  };
  // The engine first, so its memory figure is not inflated by the sandboxes that follow.
  await step('engine', () => engine(options));
  await step('requests per repository', requestsPerRepository);
  const sizesArg = argument('--sizes');
  const sizes = sizesArg ? sizesArg.split(',').map(Number) : quick ? [100] : [1000, 5000, 10_000];
  for (const size of sizes) await step(`full pass of ${size}`, () => hoursToFullPass(size));
  const faultSize = quick ? 100 : 1000;
  await step(`faults at ${faultSize}`, () => faultsAtScale(faultSize));
  await step('merge check', () => mergeCheck(0, options));
  await step('merge check at 100 ms', () => mergeCheck(100, options));
  for (const size of quick ? [10, 100] : [10, 1000, 10_000]) await step(`dashboard at ${size}`, () => dashboardReads(size));
  for (const size of quick ? [10, 100] : [10, 10_000]) await step(`event costs at ${size}`, () => eventCosts(size));
  for (const size of quick ? [100] : [1000, 10_000]) await step(`kvs limits at ${size}`, () => kvsLimits(size));
  await step('evidence backfill', backfillRequests);
  await step('busy repository', () => busyRepository(options));
  await step('evidence verify', () => verifyTime(options));
  await step('attest scan process', scanProcess);
  for (const size of quick ? [100] : [1000, 10_000]) await step(`access snapshot at ${size}`, () => accessSnapshot(size));
  await step('delivery backfill', deliveryBackfill);
  for (const size of quick ? [10] : [10, 10_000]) await step(`delivery events at ${size}`, () => deliveryEventCosts(size));
  for (const size of quick ? [10, 100] : [10, 1000, 10_000]) await step(`delivery tab at ${size}`, () => deliveryDashboard(size));

  const table = writeResults(figures, run);
  process.stdout.write(`${table}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
