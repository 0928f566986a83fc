/**
 * The app installed in a local runtime, for the CLI: the same install, queue and consumers as in
 * Bitbucket, on a simulated clock that starts now (so queue delays cost no waiting), with storage kept
 * in the state directory between runs.
 */
import path from 'node:path';
import { getWorkspace } from '../../src/bitbucket/api';
import { appRequest, createBitbucketClient } from '../../src/bitbucket/client';
import { BitbucketError } from '../../src/bitbucket/errors';
import type { Policy } from '../../src/policy/policy';
import { createStore } from '../../src/store/store';
import { SimClock } from '../runtime/clock';
import { LocalForgeRuntime } from '../runtime/runtime';
import { CliError } from './errors';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface AppSession {
  runtime: LocalForgeRuntime;
  clock: SimClock;
  workspace: { slug: string; uuid: string };
}

export async function openApp(options: {
  baseUrl: string;
  authorization: string;
  stateDir: string | null;
  workspace: string;
  clock?: SimClock;
  /** `--max-requests`: a hard cap on Bitbucket requests for the whole run. */
  maxRequests?: number | null;
}): Promise<AppSession> {
  const clock = options.clock ?? new SimClock(Date.now(), true);
  const runtime = new LocalForgeRuntime({
    root: ROOT,
    bitbucketBaseUrl: options.baseUrl.replace(/\/$/, ''),
    auth: { app: options.authorization },
    clock,
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

/**
 * Installs the app (or re-runs the install scan on an existing installation) and runs the queue until it
 * is empty. `hourlyBudget` caps the Bitbucket requests the plan may spend.
 */
export async function installAndScan(
  session: AppSession,
  policy: Policy,
  hourlyBudget: number,
  onProgress?: (done: number, total: number) => void,
): Promise<{ startedAt: Date }> {
  const { runtime, workspace } = session;
  const startedAt = new Date(session.clock.now());
  await runtime.withInstallation(workspace.uuid, async () => {
    const store = createStore();
    await store.putPolicy(policy);
    // A CLI scan evaluates everything now: no budget carried over, the workspace controls due.
    await store.markScan({ hourlyBudget, lastPlanAt: null, workspaceEvaluatedAt: null });
  });
  await runtime.install(workspace.uuid);
  const total = () => runtime.invocations.filter((record) => record.functionKey === 'scan-job-fn').length;
  while (runtime.pendingEvents() > 0) {
    await runtime.drainQueues({ maxInvocations: 10 });
    onProgress?.(total(), total() + runtime.pendingEvents());
  }
  const failed = runtime.invocations.find((record) => record.outcome === 'error');
  if (failed) throw new Error(`the app failed while scanning: ${failed.error ?? 'unknown error'}`);
  return { startedAt };
}
