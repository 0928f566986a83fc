/**
 * The app installed in a local runtime, for the CLI: the same install, queue and consumers as in
 * Bitbucket, on the wall clock (timestamps are real; a retry after a 429 really waits, and says so), with
 * the app's own planned queue delays delivered early and storage kept in the state directory between runs.
 */
import path from 'node:path';
import { getWorkspace } from '../../src/bitbucket/api';
import { appRequest, createBitbucketClient } from '../../src/bitbucket/client';
import { BitbucketError } from '../../src/bitbucket/errors';
import type { Policy } from '../../src/policy/policy';
import { createStore } from '../../src/store/store';
import { WallClock, type Clock } from '../runtime/clock';
import { LocalForgeRuntime } from '../runtime/runtime';
import { CliError } from './errors';

export const ROOT = path.resolve(__dirname, '..', '..');

/** A clock that can wait: the wall clock for the CLI, a simulated one in tests. */
export type WaitingClock = Clock & { sleep(ms: number): Promise<void> };

export interface AppSession {
  runtime: LocalForgeRuntime;
  clock: WaitingClock;
  workspace: { slug: string; uuid: string };
}

export async function openApp(options: {
  baseUrl: string;
  authorization: string;
  stateDir: string | null;
  workspace: string;
  clock?: WaitingClock;
  /** `--max-requests`: a hard cap on Bitbucket requests for the whole run. */
  maxRequests?: number | null;
}): Promise<AppSession> {
  const clock = options.clock ?? new WallClock();
  const runtime = new LocalForgeRuntime({
    root: ROOT,
    bitbucketBaseUrl: options.baseUrl.replace(/\/$/, ''),
    auth: { app: options.authorization },
    clock,
    queue: { skipPlannedDelays: true },
    stateDir: options.stateDir,
    ...(options.maxRequests ? { maxProductRequests: options.maxRequests } : {}),
  });
  try {
    const workspace = await getWorkspace(createBitbucketClient({ request: appRequest() }), options.workspace);
    return { runtime, clock, workspace: { slug: workspace.slug, uuid: workspace.uuid } };
  } catch (error) {
    throw cliErrorFor(error, options.workspace, options.baseUrl);
  }
}

export function cliErrorFor(error: unknown, workspace: string, baseUrl: string): unknown {
  if (!(error instanceof BitbucketError)) return error;
  if (error.kind === 'unauthorized' || error.kind === 'forbidden')
    return new CliError(3, `Bitbucket refused the credentials: ${error.message}`);
  if (error.kind === 'not-found')
    return new CliError(2, `no workspace ${workspace} at ${new URL(baseUrl).origin} (or the credentials cannot see it)`);
  return new CliError(3, `Bitbucket could not be read: ${error.message}`);
}

export interface ScanRun {
  policy: Policy;
  /** The app's hourly request budget for the run (the plan and the request ledger). */
  hourlyBudget: number;
  onProgress?: (done: number, total: number) => void;
  /** Told before each wait for a retry the queue scheduled: until when, and whether Bitbucket rate-limited. */
  onWait?: (until: Date, rateLimited: boolean) => void;
  /** `--max-wait`: the most the run may spend waiting for retries, in milliseconds. */
  maxWaitMs?: number;
  /** `--incremental`: keep stored results of repositories unchanged since they were evaluated. */
  incremental?: boolean;
  /** Reads the credentials were refused up front (checkReach): answered with the refusal, not asked again. */
  refused?: Record<string, { at: string; message: string }>;
}

export interface ScanOutcome {
  startedAt: Date;
  /** Set when the run stopped with work left: the next retry would have passed `--max-wait`. */
  stopped: { resumeAt: Date; rateLimited: boolean; waitedMs: number } | null;
}

/**
 * Installs the app (or re-runs the install scan on an existing installation) and runs the queue until it
 * is empty, waiting for retries (in real time on the wall clock) up to `maxWaitMs` in all.
 */
export async function installAndScan(session: AppSession, run: ScanRun): Promise<ScanOutcome> {
  const { runtime, workspace, clock } = session;
  const startedAt = new Date(clock.now());
  await runtime.withInstallation(workspace.uuid, async () => {
    const store = createStore();
    await store.putPolicy(run.policy);
    // A CLI scan evaluates everything now: no budget carried over, the workspace controls due.
    await store.markScan({
      hourlyBudget: run.hourlyBudget,
      lastPlanAt: null,
      workspaceEvaluatedAt: null,
      reuseUnchanged: run.incremental ?? false,
      refusedNeeds: run.refused ?? {},
    });
  });
  await runtime.install(workspace.uuid);
  const total = () => runtime.invocations.filter((record) => record.functionKey === 'scan-job-fn').length;
  let waitedMs = 0;
  for (;;) {
    while ((await runtime.drainQueues({ maxInvocations: 10 })) > 0) run.onProgress?.(total(), total() + runtime.pendingEvents());
    const next = runtime.nextDelivery();
    if (next === null) break;
    const wait = Math.max(0, next.at - clock.now());
    const rateLimited = next.retryReason === 'FUNCTION_UPSTREAM_RATE_LIMITED';
    if (waitedMs + wait > (run.maxWaitMs ?? Number.POSITIVE_INFINITY))
      return { startedAt, stopped: { resumeAt: new Date(next.at), rateLimited, waitedMs } };
    run.onWait?.(new Date(next.at), rateLimited);
    await clock.sleep(wait);
    waitedMs += wait;
  }
  const failed = runtime.invocations.find((record) => record.outcome === 'error');
  if (failed) throw new Error(`the app failed while scanning: ${failed.error ?? 'unknown error'}`);
  return { startedAt, stopped: null };
}
