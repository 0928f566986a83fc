/**
 * Evaluating one repository or the workspace inside the app, and storing the result with the history of
 * what changed. BB-PR-1 and BB-PR-2 read the evidence ledger (kept up to date here), not the API listing.
 */
import { BitbucketError } from '../bitbucket/errors';
import { getRepository } from '../bitbucket/api';
import type { BitbucketClient } from '../bitbucket/client';
import type { Repository } from '../bitbucket/schemas';
import { REPOSITORY_CONTROLS, WORKSPACE_CONTROLS } from '../controls';
import type { Result } from '../controls/types';
import { applicableControls, collectRepository, collectWorkspace, repositoryNeeds, workspaceNeeds, type Refusals } from '../engine/collect';
import { evaluateWorkspace } from '../engine/evaluate';
import { evaluateRepositorySubject } from '../engine/scan';
import { classify } from '../policy/resolve';
import type { Policy } from '../policy/policy';
import type { HistoryEntry, RepositoryRecord, StoredResult } from '../store/records';
import type { Store } from '../store/store';
import { readLedger, type LedgerRead } from './evidence';
import { toRepositoryRecord } from './repository-record';

export function outcomeChanges(
  subject: string,
  subjectName: string,
  before: readonly StoredResult[] | null,
  after: readonly Result[] | null,
  at: string,
  cause: string,
  actor: string | null = null,
): HistoryEntry[] {
  if (before === null) return []; // a first evaluation is not a change
  const previous = new Map(before.map((result) => [result.control, result.outcome]));
  const next = new Map((after ?? []).map((result) => [result.control, result.outcome]));
  const changes: HistoryEntry[] = [];
  for (const control of new Set([...previous.keys(), ...next.keys()])) {
    const from = previous.get(control) ?? null;
    const to = next.get(control) ?? null;
    if (from !== to) changes.push({ subject, subjectName, control, from, to, at, cause, actor });
  }
  return changes.sort((a, b) => a.control.localeCompare(b.control));
}

export interface RepositoryEvaluation {
  record: RepositoryRecord;
  changes: HistoryEntry[];
  requests: number;
}

/**
 * Reads and evaluates one repository. Nothing is stored but evidence records the ledger lacked; the
 * caller decides whether the results are stored (`storeRepositoryEvaluation`).
 */
export interface RepositoryJob {
  workspaceUuid: string;
  repository: Repository;
  policy: Policy;
  now: Date;
  cause: string;
  /** Reads the credentials were refused when their reach was checked: not asked again. */
  refused?: Refusals;
}

export async function evaluateRepository(client: BitbucketClient, store: Store, job: RepositoryJob): Promise<RepositoryEvaluation> {
  const { workspaceUuid, policy, now, cause } = job;
  let repository = job.repository;
  const startRequests = client.budget.used;
  // `mainbranch: null` is an empty repository; an answer without the field says nothing. Read the
  // repository itself once more, and if it still does not say, stop: never evaluate it as empty.
  if (repository.mainbranch === undefined) {
    repository = await getRepository(client, workspaceUuid, repository.uuid);
    if (repository.mainbranch === undefined)
      throw new BitbucketError(
        'malformed',
        `/2.0/repositories/{workspace}/${repository.uuid}`,
        null,
        'the repository answer has no mainbranch field',
      );
  }
  const previous = await store.getRepository(repository.uuid);
  const base = toRepositoryRecord(repository, now, cause, previous);
  const subject = {
    classification: classify(policy, { slug: base.slug, uuid: repository.uuid, projectKey: base.projectKey }),
    mainBranch: base.mainBranch,
  };
  const needs = repositoryNeeds(applicableControls(REPOSITORY_CONTROLS, subject, policy));
  let ledger: LedgerRead | null = null;
  const snapshot = await collectRepository(client, workspaceUuid, repository, needs, policy, now, {
    refused: job.refused ?? {},
    mergedPullRequests: async () => {
      ledger = await readLedger(client, store, workspaceUuid, base, policy, now);
      return { values: ledger.merged, truncated: ledger.truncated };
    },
  });
  const report = evaluateRepositorySubject(repository, snapshot, policy, now);
  const read = ledger as LedgerRead | null;
  const record: RepositoryRecord = {
    ...base,
    classification: report.classification,
    score: report.score,
    results: report.results,
    evaluatedAt: now.toISOString(),
    requests: client.budget.used - startRequests,
    ledgerFrom: read ? read.ledgerFrom : base.ledgerFrom,
    ledgerCheckedAt: read ? read.ledgerCheckedAt : base.ledgerCheckedAt,
  };
  const changes = outcomeChanges(record.uuid, record.slug, previous?.results ?? null, report.results, record.evaluatedAt!, cause);
  return { record, changes, requests: record.requests };
}

export async function storeRepositoryEvaluation(store: Store, evaluation: RepositoryEvaluation): Promise<boolean> {
  return store.putRepository(evaluation.record, evaluation.changes);
}

export async function evaluateWorkspaceControls(
  client: BitbucketClient,
  workspaceUuid: string,
  context: { policy: Policy; now: Date; refused?: Refusals },
): Promise<Result[]> {
  const { policy, now } = context;
  const snapshot = await collectWorkspace(client, workspaceUuid, workspaceNeeds(WORKSPACE_CONTROLS, policy), context.refused ?? {});
  return evaluateWorkspace(WORKSPACE_CONTROLS, snapshot, { policy, now });
}

export async function storeWorkspaceResults(store: Store, results: Result[], now: Date, cause: string): Promise<boolean> {
  const previous = await store.getWorkspace();
  const written = await store.putWorkspace({ results, evaluatedAt: now.toISOString(), cause });
  if (written)
    await store.addHistory(outcomeChanges('workspace', 'workspace', previous?.results ?? null, results, now.toISOString(), cause));
  return written;
}
