/**
 * A full workspace scan: collect → evaluate → summarize, for every repository and the workspace. The
 * request budget is shared: when it is spent the scan stops reading, reports the subjects it could not
 * evaluate, and never reports them as `pass`.
 */
import { getWorkspace, listRepositories } from '../bitbucket/api';
import type { BitbucketClient } from '../bitbucket/client';
import { repositorySlug, type Repository } from '../bitbucket/schemas';
import { REPOSITORY_CONTROLS, WORKSPACE_CONTROLS } from '../controls';
import type { SubjectClassification } from '../controls/outcome';
import type { EvaluationContext, Result } from '../controls/types';
import type { Policy } from '../policy/policy';
import { resolveRepository, resolveWorkspaceExceptions, type RepositoryIdentity, type ResolvedRepository } from '../policy/resolve';
import { unwrapUuid, wrapUuid } from '../lib/uuid';
import { collectRepository, collectWorkspace, workspaceNeeds } from './collect';
import { evaluateRepository, evaluateWorkspace } from './evaluate';
import { countOutcomes, emptyCounts, score, type OutcomeCounts } from './summarize';

export const SCHEMA_VERSION = 1;

export interface RepositoryReport {
  slug: string;
  uuid: string;
  project: string | null;
  mainBranch: string | null;
  classification: SubjectClassification;
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

/** The report row of one evaluated repository. */
export function repositoryReport(resolved: ResolvedRepository, results: Result[], now: Date): RepositoryReport {
  return {
    slug: resolved.identity.slug,
    uuid: wrapUuid(resolved.identity.uuid),
    project: resolved.identity.projectKey,
    mainBranch: resolved.mainBranch,
    classification: resolved.classification,
    score: score(results),
    evaluatedAt: now.toISOString(),
    results,
  };
}

export function identityOf(repository: Repository): RepositoryIdentity {
  return { slug: repositorySlug(repository), uuid: repository.uuid, projectKey: repository.project?.key ?? null };
}

/** Resolve → collect → evaluate, for one repository, reading everything from the API (no ledger). */
export async function scanRepository(
  client: BitbucketClient,
  target: { workspaceUuid: string; repository: Repository },
  context: EvaluationContext,
): Promise<RepositoryReport> {
  const { repository } = target;
  const resolved = resolveRepository(
    REPOSITORY_CONTROLS,
    { identity: identityOf(repository), mainBranch: repository.mainbranch?.name ?? null },
    context.policy,
    context.now,
  );
  const snapshot = await collectRepository(client, { workspaceUuid: target.workspaceUuid, repository, needs: resolved.needs }, context);
  return repositoryReport(resolved, evaluateRepository(snapshot, resolved, context), context.now);
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
    reports.push(await scanRepository(client, { workspaceUuid, repository }, { policy, now }));
    options.onProgress?.(reports.length, repositories.length);
  }
  const workspaceSnapshot = await collectWorkspace(client, { workspaceUuid, needs: workspaceNeeds(WORKSPACE_CONTROLS, policy) });
  const exceptions = resolveWorkspaceExceptions(WORKSPACE_CONTROLS, policy, now);
  const workspaceResults = evaluateWorkspace(WORKSPACE_CONTROLS, workspaceSnapshot, { policy, now }, exceptions);
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
