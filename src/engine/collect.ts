/**
 * Collect: fetch the union of the enabled, applicable controls' needs for one subject, each need once,
 * into a snapshot whose slices are data or the typed error that stopped us. Nothing is fetched for
 * disabled controls, for controls that do not apply (non-production or empty repositories), or — for the
 * effective branching model — unless a restriction uses `branching_model`.
 */
import {
  getBranchHead,
  getEffectiveBranchingModel,
  getPipelinesConfig,
  getPipelinesFile,
  listBranchRestrictions,
  listEffectiveDefaultReviewers,
  listMainBranchPipelines,
  listMembers,
  listMergedPullRequestsSince,
  getPullRequestStatuses,
  listWorkspaceOwners,
  type BranchWindow,
  type RepositoryRef,
} from '../bitbucket/api';
import type { BitbucketClient } from '../bitbucket/client';
import { BitbucketError } from '../bitbucket/errors';
import type { Repository } from '../bitbucket/schemas';
import { mergedChangeOf, type MergedChange } from '../controls/merged-change';
import { usesBranchingModel } from '../controls/restrictions';
import { toInstant } from '../lib/instant';
import { listWorkspaceVariables } from '../bitbucket/pipelines-variables';
import { INSIGHTS_COLLECTORS } from './collect-insights';
import { listSlice, slice } from './slices';
import type { RepositoryNeed, RepositorySnapshot, Slice, WorkspaceControl, WorkspaceNeed, WorkspaceSnapshot } from '../controls/types';
import type { Policy } from '../policy/policy';

/**
 * Merged pull requests in the window with each one's statuses (GET …/pullrequests/{id}/statuses). Without the
 * ledger (a scan that keeps no evidence), the merge is dated by the listing's `updated_on`: what BB-PR-1 and
 * BB-PR-2 evaluate does not depend on the date, only which changes fall in the window.
 */
async function listMergedChanges(
  client: BitbucketClient,
  target: RepositoryRef,
  window: BranchWindow,
): Promise<{ values: MergedChange[]; truncated: boolean }> {
  const listing = await listMergedPullRequestsSince(client, target, window);
  const merged: MergedChange[] = [];
  for (const pr of listing.values) {
    const statuses = await getPullRequestStatuses(client, target.workspaceUuid, target.repositoryUuid, pr.id);
    merged.push(mergedChangeOf(pr, statuses, toInstant(pr.updated_on)));
  }
  return { values: merged, truncated: listing.truncated };
}

/** Reads refused when the credentials' reach was checked, by need (ScanState.refusedNeeds). */
export type Refusals = Readonly<Record<string, { at: string; message: string }>>;

function refusedSlice(need: string, refusal: { at: string; message: string }): { ok: false; error: BitbucketError } {
  return { ok: false, error: new BitbucketError('forbidden', need, 403, `${refusal.message} (checked at ${refusal.at}; not asked again)`) };
}

export interface CollectContext {
  policy: Policy;
  now: Date;
  /** Reads refused when the credentials' reach was checked: answered with the refusal, not asked again. */
  refused?: Refusals;
  /** Slices already read by an earlier step (the evidence ledger's merged pull requests): not read again. */
  given?: Partial<RepositorySnapshot>;
}

export interface CollectTarget {
  workspaceUuid: string;
  repository: Repository;
  needs: ReadonlySet<RepositoryNeed>;
}

/** Reads every need once, into a snapshot of data or the typed error that stopped each read. */
export async function collectRepository(
  client: BitbucketClient,
  target: CollectTarget,
  context: CollectContext,
): Promise<Partial<RepositorySnapshot>> {
  const snapshot: Partial<RepositorySnapshot> = { repository: { ok: true, value: target.repository }, ...context.given };
  const refused = context.refused ?? {};
  // A need the credentials were refused is answered with that refusal, without asking Bitbucket again.
  const asked = new Set([...target.needs].filter((need) => refused[need] === undefined && snapshot[need] === undefined));
  if (asked.has('effectiveBranchingModel') && refused.branchRestrictions) asked.delete('effectiveBranchingModel');
  Object.assign(snapshot, await collectAsked(client, { ...target, needs: asked }, context));
  for (const need of target.needs) {
    const refusal = refused[need] ?? (need === 'effectiveBranchingModel' ? refused.branchRestrictions : undefined);
    if (refusal) Object.assign(snapshot, { [need]: refusedSlice(need, refusal) });
  }
  return snapshot;
}

/** What a collector reads with: the repository, its main branch, the window policy, and the slices read so far. */
export interface CollectorInput {
  client: BitbucketClient;
  ref: RepositoryRef;
  /** The main branch; null for an empty repository, where branch reads have nothing to read. */
  main: string | null;
  context: CollectContext;
  snapshot: Partial<RepositorySnapshot>;
  /** The main branch's head commit, read once for every collector that needs it (the file, Code Insights). */
  head: () => Promise<string>;
}

export type Collector<N extends RepositoryNeed> = (input: CollectorInput) => Promise<RepositorySnapshot[N] | undefined>;

const daysBefore = (now: Date, days: number) => new Date(now.getTime() - days * 86_400_000);

/** A list of what happened on the main branch in the last `days` (nothing to read without a main branch). */
async function windowSlice<T>(
  input: CollectorInput,
  list: {
    days: number;
    read: (client: BitbucketClient, ref: RepositoryRef, window: BranchWindow) => Promise<{ values: T[]; truncated: boolean }>;
    label: string;
  },
): Promise<Slice<T[]> | undefined> {
  const { client, ref, main, context } = input;
  if (main === null) return undefined;
  const window = { branch: main, since: daysBefore(context.now, list.days) };
  return listSlice(() => list.read(client, ref, window), list.label);
}

/**
 * One collector per need, in the order they run (a later one may use an earlier one's slice). The mapped type
 * makes the compiler prove every need but the repository itself (always given) has a collector. `undefined`:
 * nothing to read (no main branch).
 */
const COLLECTORS: { [N in Exclude<RepositoryNeed, 'repository'>]: Collector<N> } = {
  branchRestrictions: ({ client, ref }) =>
    listSlice(() => listBranchRestrictions(client, ref.workspaceUuid, ref.repositoryUuid), 'branch-restrictions'),
  // Only when a restriction uses `branching_model`: otherwise there is nothing it would resolve.
  effectiveBranchingModel: async ({ client, ref, snapshot }) =>
    snapshot.branchRestrictions?.ok && usesBranchingModel(snapshot.branchRestrictions.value)
      ? slice(() => getEffectiveBranchingModel(client, ref.workspaceUuid, ref.repositoryUuid), 'effective-branching-model')
      : { ok: true, value: null },
  effectiveDefaultReviewers: ({ client, ref }) =>
    listSlice(() => listEffectiveDefaultReviewers(client, ref.workspaceUuid, ref.repositoryUuid), 'effective-default-reviewers'),
  pipelinesConfig: ({ client, ref }) => slice(() => getPipelinesConfig(client, ref.workspaceUuid, ref.repositoryUuid), 'pipelines_config'),
  // The file is only worth reading when Pipelines is on: BB-CI-4 fails on "disabled" before it looks.
  pipelinesFile: async ({ client, ref, main, snapshot, head }) => {
    if (main === null) return undefined;
    if (snapshot.pipelinesConfig?.ok && !snapshot.pipelinesConfig.value.enabled) return { ok: true, value: null };
    const { workspaceUuid, repositoryUuid } = ref;
    return slice(async () => getPipelinesFile(client, workspaceUuid, repositoryUuid, await head()), 'bitbucket-pipelines.yml');
  },
  mainBranchPipelines: (input) =>
    windowSlice(input, { days: input.context.policy.buildWindowDays, read: listMainBranchPipelines, label: 'pipelines' }),
  mergedPullRequests: (input) =>
    windowSlice(input, { days: input.context.policy.reviewWindowDays, read: listMergedChanges, label: 'pullrequests' }),
  ...INSIGHTS_COLLECTORS,
};

/** Restrictions and the branching model they may name are read together: one is no use without the other. */
function withCompanions(needs: ReadonlySet<RepositoryNeed>): Set<RepositoryNeed> {
  const wanted = new Set(needs);
  // Findings are read from the reports the list names.
  if (needs.has('securityFindings')) wanted.add('mainHeadReports');
  if (needs.has('branchRestrictions') || needs.has('effectiveBranchingModel')) {
    wanted.add('branchRestrictions');
    wanted.add('effectiveBranchingModel');
  }
  return wanted;
}

async function collectAsked(client: BitbucketClient, target: CollectTarget, context: CollectContext): Promise<Partial<RepositorySnapshot>> {
  const snapshot: Partial<RepositorySnapshot> = {};
  const ref = { workspaceUuid: target.workspaceUuid, repositoryUuid: target.repository.uuid };
  const main = target.repository.mainbranch?.name ?? null;
  let head: Promise<string> | null = null;
  const input: CollectorInput = {
    client,
    ref,
    main,
    context,
    snapshot,
    // Read on first use and shared: a failed read fails every slice that needed it, with the same error.
    head: () => (head ??= getBranchHead(client, ref.workspaceUuid, ref.repositoryUuid, main ?? '')),
  };
  const wanted = withCompanions(target.needs);
  for (const need of Object.keys(COLLECTORS) as Array<keyof typeof COLLECTORS>) {
    if (!wanted.has(need)) continue;
    const collected = await (COLLECTORS[need] as Collector<typeof need>)(input);
    if (collected !== undefined) Object.assign(snapshot, { [need]: collected });
  }
  return snapshot;
}

export function workspaceNeeds(controls: readonly WorkspaceControl[], policy: Policy): Set<WorkspaceNeed> {
  return new Set(controls.filter((control) => !policy.disabledControls.includes(control.id)).flatMap((control) => control.needs));
}

/** The workspace's needs, the refusals already known, and slices the caller read elsewhere (the app's own records). */
export interface WorkspaceTarget {
  workspaceUuid: string;
  needs: ReadonlySet<WorkspaceNeed>;
  refused?: Refusals;
  given?: Partial<WorkspaceSnapshot>;
}

/**
 * The access reviews are the app's own records: a scan without them (`attest scan`, which keeps no reviews) has
 * nothing to read, and says so rather than reading that none were ever done.
 */
const NO_REVIEWS = new BitbucketError(
  'internal',
  'access reviews',
  null,
  'access reviews are kept by the app installed in Bitbucket; this scan has none to read',
);

export async function collectWorkspace(client: BitbucketClient, target: WorkspaceTarget): Promise<Partial<WorkspaceSnapshot>> {
  const { workspaceUuid, needs: allNeeds, refused = {} } = target;
  const snapshot: Partial<WorkspaceSnapshot> = { ...target.given };
  if (allNeeds.has('accessReviews') && !snapshot.accessReviews) snapshot.accessReviews = { ok: false, error: NO_REVIEWS };
  const needs = new Set([...allNeeds].filter((need) => refused[need] === undefined));
  for (const need of allNeeds) {
    const refusal = refused[need];
    if (refusal) Object.assign(snapshot, { [need]: refusedSlice(need, refusal) });
  }
  if (needs.has('members')) snapshot.members = await listSlice(() => listMembers(client, workspaceUuid), 'members');
  if (needs.has('workspacePermissions'))
    snapshot.workspacePermissions = await listSlice(() => listWorkspaceOwners(client, workspaceUuid), 'permissions');
  if (needs.has('workspaceVariables'))
    snapshot.workspaceVariables = await listSlice(() => listWorkspaceVariables(client, workspaceUuid), 'pipelines-config/variables');
  return snapshot;
}
