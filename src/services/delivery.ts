/**
 * Delivery metrics (docs/delivery-metrics.md): flow facts from what the events already read, one backfill per
 * repository at install, deployments read once a day, and the rollup that turns facts into weekly figures.
 */
import { listEnvironments } from '../bitbucket/pipelines-variables';
import { getPullRequestLines, listDeployments, listPullRequestsUpdatedSince, listRepositoryActivity } from '../bitbucket/delivery-api';
import type { BitbucketClient } from '../bitbucket/client';
import { BitbucketError } from '../bitbucket/errors';
import type { PullRequest, PullRequestActivity } from '../bitbucket/schemas';
import { factFromActivity, factFromPullRequest, quickApprovals, type PullRequestFlow } from '../metrics/flow-facts';
import type { FlowRules, ProductionDeployment } from '../metrics/weekly';
import { toInstant } from '../lib/instant';
import type { Policy } from '../policy/policy';
import type { DeploymentsRecord } from '../store/flow-records';
import type { Store } from '../store/store';
import { isProtectedBranch } from './pull-request-evaluation';

/** The retention read at backfill: 26 weeks. */
export const BACKFILL_DAYS = 182;
/** Pages read at backfill: 1,000 pull requests, 10,000 activity entries; deployments 1,000. */
const PULL_REQUEST_PAGES = 20;
const ACTIVITY_PAGES = 200;
const DEPLOYMENT_PAGES = 10;

export function flowRules(policy: Policy): FlowRules {
  return { rubberStampMinutes: policy.rubberStampMinutes, largeDiffLines: policy.largeDiffLines, hotfixBranches: policy.hotfixBranches };
}

type FlowStore = Pick<Store, 'getFact' | 'observeFact'>;

/** An event's pull request, already read for its checks: joined into its fact with no request. */
export async function observePullRequest(
  store: FlowStore,
  seen: { repositoryUuid: string; pr: PullRequest; protectedDestination: boolean | null; at: Date; cause: string },
): Promise<PullRequestFlow> {
  const previous = (await store.getFact(seen.repositoryUuid, seen.pr.id)) ?? null;
  const opened = seen.cause === 'avi:bitbucket:created:pullrequest';
  const observed = factFromPullRequest(seen.pr, { at: seen.at, previous, protectedDestination: seen.protectedDestination, opened });
  return (await store.observeFact(seen.repositoryUuid, observed, previous)).fact;
}

/** A declined pull request (the event names it; nothing is read): its fact closes at the event's time. */
export async function observeDecline(
  store: FlowStore,
  seen: { repositoryUuid: string; id: number; title: string | null; at: Date; declinedAt: string },
): Promise<void> {
  const previous = (await store.getFact(seen.repositoryUuid, seen.id)) ?? null;
  const base: PullRequestFlow = previous ?? {
    id: seen.id,
    title: seen.title ?? '',
    author: null,
    sourceBranch: null,
    destination: null,
    protectedDestination: null,
    state: 'OPEN',
    createdAt: null,
    closedAt: null,
    headCommit: null,
    lastPushAt: null,
    reviews: [],
    approvals: [],
    linesChanged: null,
    exact: false,
    observedAt: seen.at.toISOString(),
  };
  await store.observeFact(
    seen.repositoryUuid,
    {
      ...base,
      state: 'DECLINED',
      closedAt: seen.declinedAt,
      observedAt: seen.at.toISOString(),
    },
    previous,
  );
}

/**
 * A merge, from the pull request read for the evidence record: its fact, and the diffstat (one request) only when an
 * approval came within the rubber-stamp minutes of the last push and the size is not known yet.
 */
export async function observeMerge(
  ctx: { client: BitbucketClient; store: FlowStore; workspaceUuid: string; rules: FlowRules },
  seen: { repositoryUuid: string; pr: PullRequest; protectedDestination: boolean; mergedAt: string; at: Date },
): Promise<PullRequestFlow> {
  const previous = (await ctx.store.getFact(seen.repositoryUuid, seen.pr.id)) ?? null;
  const observed = factFromPullRequest(seen.pr, {
    at: seen.at,
    previous,
    protectedDestination: seen.protectedDestination,
    opened: false,
    closedAt: seen.mergedAt,
  });
  const { fact } = await ctx.store.observeFact(seen.repositoryUuid, observed, previous);
  return withLines(ctx, { repositoryUuid: seen.repositoryUuid, fact });
}

async function withLines(
  ctx: { client: BitbucketClient; store: FlowStore; workspaceUuid: string; rules: FlowRules },
  target: { repositoryUuid: string; fact: PullRequestFlow },
): Promise<PullRequestFlow> {
  const { fact } = target;
  if (fact.linesChanged !== null || quickApprovals(fact, ctx.rules.rubberStampMinutes).length === 0) return fact;
  try {
    const { lines, truncated } = await getPullRequestLines(ctx.client, {
      workspaceUuid: ctx.workspaceUuid,
      repositoryUuid: target.repositoryUuid,
      id: fact.id,
    });
    // A diff cut short is at least this large: counted when already over the limit, otherwise left unknown.
    if (truncated && lines < ctx.rules.largeDiffLines) return fact;
    return (await ctx.store.observeFact(target.repositoryUuid, { ...fact, linesChanged: lines }, fact)).fact;
  } catch (error) {
    if (!(error instanceof BitbucketError) || error.kind === 'hour-spent') throw error;
    return fact;
  }
}

/** What one repository's sync read. */
export interface SyncedRepository {
  pullRequests: number;
  /** What could not be read (the facts kept are still correct, but some figures lack data). */
  gaps: string[];
}

/**
 * The backfill of one repository: the window's pull requests (every state), the repository-wide activity log back to
 * the window's start (exact reviews and pushes), the diffstat of quickly approved merges, and the deployments.
 */
export async function backfillRepository(
  ctx: { client: BitbucketClient; store: Store; workspaceUuid: string; policy: Policy; now: Date },
  repository: { uuid: string; mainBranch: string | null },
): Promise<SyncedRepository> {
  const { client, store, workspaceUuid, policy, now } = ctx;
  const ref = { workspaceUuid, repositoryUuid: repository.uuid };
  const since = new Date(now.getTime() - BACKFILL_DAYS * 86_400_000);
  const gaps: string[] = [];
  const prs = await listPullRequestsUpdatedSince(client, ref, { since, maxPages: PULL_REQUEST_PAGES });
  if (prs.truncated) gaps.push(`more than ${prs.values.length} pull requests in the window; the oldest were not read`);
  const activity =
    prs.values.length === 0
      ? { values: [], truncated: false, pages: 0 }
      : await listRepositoryActivity(client, ref, { since, maxPages: ACTIVITY_PAGES });
  const entries = byPullRequest(activity.values);
  const reachedBack = !activity.truncated;
  const { mainBranch } = repository;
  const rules = flowRules(policy);
  for (const pr of prs.values) {
    const protectedDestination = isProtectedBranch(pr.destination.branch?.name, mainBranch, policy);
    // The log reached back past the window only when not cut short; otherwise an old pull request's reviews are read from its participants.
    const observed = reachedBack
      ? factFromActivity(pr, entries.get(pr.id) ?? [], { at: now, protectedDestination })
      : factFromPullRequest(pr, { at: now, previous: null, protectedDestination, opened: false });
    const { fact } = await store.observeFact(repository.uuid, observed);
    if (fact.state === 'MERGED') await withLines({ client, store, workspaceUuid, rules }, { repositoryUuid: repository.uuid, fact });
  }
  if (activity.truncated) gaps.push('the activity log is longer than Attest reads: older reviews are taken from participants');
  const deployments = await readDeployments(client, { ...ref, now });
  await store.putDeployments(repository.uuid, deployments);
  if (deployments.error) gaps.push(deployments.error);
  return { pullRequests: prs.values.length, gaps };
}

function byPullRequest(entries: readonly PullRequestActivity[]): Map<number, PullRequestActivity[]> {
  const out = new Map<number, PullRequestActivity[]>();
  for (const entry of entries) {
    const id = entry.pull_request?.id;
    if (id === undefined) continue;
    out.set(id, [...(out.get(id) ?? []), entry]);
  }
  return out;
}

/**
 * A repository's production environments (environment type Production) and their completed deployments: one
 * request when it has none, two or more otherwise. A refusal is kept as `unread`, never as "no deployments".
 */
export async function readDeployments(
  client: BitbucketClient,
  target: { workspaceUuid: string; repositoryUuid: string; now: Date },
): Promise<DeploymentsRecord> {
  const base = { readAt: target.now.toISOString(), environments: [], deployments: [], truncated: false, error: null };
  try {
    const environments = await listEnvironments(client, target);
    const kept = environments.values.map((env) => ({
      uuid: env.uuid,
      name: env.name ?? env.uuid,
      production: env.environment_type?.name === 'Production',
    }));
    const production = new Set(kept.filter((env) => env.production).map((env) => env.uuid));
    if (production.size === 0) return { ...base, environments: kept, coverage: environments.truncated ? 'unread' : 'no-production' };
    const listing = await listDeployments(client, target, DEPLOYMENT_PAGES);
    const deployments = listing.values.flatMap((d): ProductionDeployment[] => {
      const completedAt = toInstant(d.state.completion_date);
      const status = d.state.status?.name;
      if (!production.has(d.environment.uuid) || d.state.name !== 'COMPLETED' || completedAt === null) return [];
      if (status !== 'SUCCESSFUL' && status !== 'FAILED' && status !== 'STOPPED') return [];
      return [{ uuid: d.uuid, status, completedAt, commit: d.release?.commit?.hash ?? null }];
    });
    return { ...base, coverage: 'measured', environments: kept, deployments, truncated: listing.truncated };
  } catch (error) {
    if (!(error instanceof BitbucketError) || error.kind === 'hour-spent') throw error;
    return { ...base, coverage: 'unread', error: `deployments could not be read (${error.message})` };
  }
}
