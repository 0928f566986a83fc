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

async function slice<T>(read: () => Promise<T>, label: string): Promise<Slice<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    if (error instanceof BitbucketError) return { ok: false, error };
    return { ok: false, error: new BitbucketError('internal', label, null, error instanceof Error ? error.message : String(error)) };
  }
}

async function listSlice<T>(read: () => Promise<{ values: T[]; truncated: boolean }>, label: string): Promise<Slice<T[]>> {
  const result = await slice(read, label);
  return result.ok ? { ok: true, value: result.value.values, truncated: result.value.truncated } : result;
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

async function collectAsked(client: BitbucketClient, target: CollectTarget, context: CollectContext): Promise<Partial<RepositorySnapshot>> {
  const { policy, now } = context;
  const { workspaceUuid, repository, needs } = target;
  const snapshot: Partial<RepositorySnapshot> = {};
  const uuid = repository.uuid;
  const main = repository.mainbranch?.name ?? null;
  if (needs.has('branchRestrictions') || needs.has('effectiveBranchingModel')) {
    snapshot.branchRestrictions = await listSlice(() => listBranchRestrictions(client, workspaceUuid, uuid), 'branch-restrictions');
    snapshot.effectiveBranchingModel =
      snapshot.branchRestrictions.ok && usesBranchingModel(snapshot.branchRestrictions.value)
        ? await slice(() => getEffectiveBranchingModel(client, workspaceUuid, uuid), 'effective-branching-model')
        : { ok: true, value: null };
  }
  if (needs.has('effectiveDefaultReviewers'))
    snapshot.effectiveDefaultReviewers = await listSlice(
      () => listEffectiveDefaultReviewers(client, workspaceUuid, uuid),
      'effective-default-reviewers',
    );
  if (needs.has('pipelinesConfig'))
    snapshot.pipelinesConfig = await slice(() => getPipelinesConfig(client, workspaceUuid, uuid), 'pipelines_config');
  if (main !== null) {
    // The file is only worth reading when Pipelines is on: BB-CI-4 fails on "disabled" before it looks.
    if (needs.has('pipelinesFile')) {
      snapshot.pipelinesFile =
        snapshot.pipelinesConfig?.ok && !snapshot.pipelinesConfig.value.enabled
          ? { ok: true, value: null }
          : await slice(
              async () => getPipelinesFile(client, workspaceUuid, uuid, await getBranchHead(client, workspaceUuid, uuid, main)),
              'bitbucket-pipelines.yml',
            );
    }
    if (needs.has('mainBranchPipelines')) {
      const since = new Date(now.getTime() - policy.buildWindowDays * 86_400_000);
      snapshot.mainBranchPipelines = await listSlice(
        () => listMainBranchPipelines(client, { workspaceUuid, repositoryUuid: uuid }, { branch: main, since }),
        'pipelines',
      );
    }
    if (needs.has('mergedPullRequests')) {
      const since = new Date(now.getTime() - policy.reviewWindowDays * 86_400_000);
      snapshot.mergedPullRequests = await listSlice(
        () => listMergedChanges(client, { workspaceUuid, repositoryUuid: uuid }, { branch: main, since }),
        'pullrequests',
      );
    }
  }
  return snapshot;
}

export function workspaceNeeds(controls: readonly WorkspaceControl[], policy: Policy): Set<WorkspaceNeed> {
  return new Set(controls.filter((control) => !policy.disabledControls.includes(control.id)).flatMap((control) => control.needs));
}

export async function collectWorkspace(
  client: BitbucketClient,
  workspaceUuid: string,
  allNeeds: ReadonlySet<WorkspaceNeed>,
  refused: Refusals = {},
): Promise<Partial<WorkspaceSnapshot>> {
  const snapshot: Partial<WorkspaceSnapshot> = {};
  const needs = new Set([...allNeeds].filter((need) => refused[need] === undefined));
  for (const need of allNeeds) {
    const refusal = refused[need];
    if (refusal) Object.assign(snapshot, { [need]: refusedSlice(need, refusal) });
  }
  if (needs.has('members')) snapshot.members = await listSlice(() => listMembers(client, workspaceUuid), 'members');
  if (needs.has('workspacePermissions'))
    snapshot.workspacePermissions = await listSlice(() => listWorkspaceOwners(client, workspaceUuid), 'permissions');
  return snapshot;
}
