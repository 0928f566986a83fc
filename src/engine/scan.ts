/**
 * A full workspace scan: collect → evaluate → summarize, for every repository and the workspace. The
 * request budget is shared: when it is spent the scan stops reading, reports the subjects it could not
 * evaluate, and never reports them as `pass`.
 */
import { getWorkspace, listRepositories } from '../bitbucket/api';
import type { BitbucketClient } from '../bitbucket/client';
import { repositorySlug, type Repository } from '../bitbucket/schemas';
import { REPOSITORY_CONTROLS, WORKSPACE_CONTROLS } from '../controls';
import type { Result } from '../controls/types';
import type { Policy } from '../policy/policy';
import { classify } from '../policy/resolve';
import { unwrapUuid, wrapUuid } from '../lib/uuid';
import { applicableControls, collectRepository, collectWorkspace, repositoryNeeds, workspaceNeeds } from './collect';
import { evaluateRepository, evaluateWorkspace } from './evaluate';
import { countOutcomes, emptyCounts, score, type OutcomeCounts } from './summarize';

export const SCHEMA_VERSION = 1;

export interface RepositoryReport {
  slug: string;
  uuid: string;
  project: string | null;
  mainBranch: string | null;
  classification: 'production' | 'non-production' | 'unclassified';
  score: number | null;
  /** When these results were computed; null when the repository was not evaluated. */
  evaluatedAt: string | null;
  results: Result[];
}

export interface ScanReport {
  schemaVersion: 1;
  tool: { name: 'attest'; version: string };
  generatedAt: string;
  workspace: { slug: string; uuid: string };
  policy: Policy;
  summary: { score: number | null; repositories: number; outcomes: OutcomeCounts };
  workspaceResults: Result[];
  /** When the workspace results were computed; null when they were not. */
  workspaceEvaluatedAt: string | null;
  repositories: RepositoryReport[];
  /** Subjects with results left `not-evaluable` because the request budget ran out. */
  unevaluated: string[];
  requests: number;
}

export interface ScanOptions {
  client: BitbucketClient;
  /** A slug or a {uuid}. */
  workspace: string;
  policy: Policy;
  now: Date;
  version: string;
  onProgress?: (done: number, total: number) => void;
}

export function evaluateRepositorySubject(
  repository: Repository,
  snapshot: Parameters<typeof evaluateRepository>[1],
  policy: Policy,
  now: Date,
): RepositoryReport {
  const slug = repositorySlug(repository);
  const identity = { slug, uuid: repository.uuid, projectKey: repository.project?.key ?? null };
  const subject = { classification: classify(policy, identity), mainBranch: repository.mainbranch?.name ?? null };
  const results = evaluateRepository(REPOSITORY_CONTROLS, snapshot, subject, identity, { policy, now });
  return {
    slug,
    uuid: wrapUuid(repository.uuid),
    project: identity.projectKey,
    mainBranch: subject.mainBranch,
    classification: subject.classification,
    score: score(results),
    evaluatedAt: now.toISOString(),
    results,
  };
}

export async function scanRepository(
  client: BitbucketClient,
  workspaceUuid: string,
  repository: Repository,
  policy: Policy,
  now: Date,
): Promise<RepositoryReport> {
  const slug = repositorySlug(repository);
  const subject = {
    classification: classify(policy, { slug, uuid: repository.uuid, projectKey: repository.project?.key ?? null }),
    mainBranch: repository.mainbranch?.name ?? null,
  };
  const needs = repositoryNeeds(applicableControls(REPOSITORY_CONTROLS, subject, policy));
  const snapshot = await collectRepository(client, workspaceUuid, repository, needs, policy, now);
  return evaluateRepositorySubject(repository, snapshot, policy, now);
}

/** Some results were left unread because a request budget or cap was spent. */
export function budgetStopped(results: readonly Result[]): boolean {
  return results.some((result) => result.outcome === 'not-evaluable' && result.evidence.kind === 'budget-exhausted');
}

export async function scanWorkspace(options: ScanOptions): Promise<ScanReport> {
  const { client, policy, now } = options;
  const workspace = await getWorkspace(client, options.workspace);
  const workspaceUuid = unwrapUuid(workspace.uuid);
  const listing = await listRepositories(client, workspaceUuid);
  const repositories = [...listing.values].sort((a, b) => repositorySlug(a).localeCompare(repositorySlug(b)));
  const reports: RepositoryReport[] = [];
  options.onProgress?.(0, repositories.length);
  for (const repository of repositories) {
    reports.push(await scanRepository(client, workspaceUuid, repository, policy, now));
    options.onProgress?.(reports.length, repositories.length);
  }
  const workspaceSnapshot = await collectWorkspace(client, workspaceUuid, workspaceNeeds(WORKSPACE_CONTROLS, policy));
  const workspaceResults = evaluateWorkspace(WORKSPACE_CONTROLS, workspaceSnapshot, { policy, now });
  const all = [...workspaceResults, ...reports.flatMap((report) => report.results)];
  const unevaluated = [
    ...reports.filter((report) => budgetStopped(report.results)).map((report) => report.slug),
    ...(budgetStopped(workspaceResults) ? ['(workspace)'] : []),
    ...(listing.truncated ? ['(repositories beyond the first 10,000)'] : []),
  ];
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'attest', version: options.version },
    generatedAt: now.toISOString(),
    workspace: { slug: workspace.slug, uuid: wrapUuid(workspace.uuid) },
    policy,
    summary: { score: score(all), repositories: reports.length, outcomes: countOutcomes(all, emptyCounts()) },
    workspaceResults,
    workspaceEvaluatedAt: budgetStopped(workspaceResults) ? null : now.toISOString(),
    repositories: reports,
    unevaluated,
    requests: client.budget.used,
  };
}
