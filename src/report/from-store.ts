/**
 * The scan report (docs/interfaces.md, schemaVersion 1) built from what the app stored: the same contract
 * whether a scan ran directly or through the install, the queue and the consumers. A repository the app
 * has not evaluated yet is reported with every control `not-evaluable`, saying so — never as a pass.
 */
import { REPOSITORY_CONTROLS, WORKSPACE_CONTROLS } from '../controls';
import type { Result } from '../controls/types';
import { SCHEMA_VERSION, type RepositoryReport, type ScanReport, budgetStopped } from '../engine/scan';
import { countOutcomes, emptyCounts, score } from '../engine/summarize';
import { wrapUuid } from '../lib/uuid';
import type { Policy } from '../policy/policy';
import { classify } from '../policy/resolve';
import type { Store } from '../store/store';

function notYet(ids: readonly string[], why: string): Result[] {
  return ids.map((control) => ({
    control,
    outcome: 'not-evaluable' as const,
    message: why,
    evidence: { kind: 'not-evaluated' },
    remediation: ['Run the scan again (with a larger --max-requests or --max-wait), or wait for the next scheduled run.'],
  }));
}

export interface ReportContext {
  workspace: { slug: string; uuid: string };
  policy: Policy;
  generatedAt: Date;
  version: string;
  requests: number;
  /** Only evaluations from this instant on count; older stored results are reported as not evaluated. */
  since?: Date | null;
  /** Why a subject without a current evaluation was not read (default: the request budget ran out). */
  notEvaluatedWhy?: string;
}

export async function reportFromStore(store: Store, context: ReportContext): Promise<ScanReport> {
  const { workspace, policy, generatedAt, version, requests } = context;
  const since = context.since ?? null;
  const why = context.notEvaluatedWhy ?? 'the request budget was spent before';
  const enabled = (ids: readonly string[]) => ids.filter((id) => !policy.disabledControls.includes(id)).sort();
  const repositoryIds = enabled(REPOSITORY_CONTROLS.map((control) => control.id));
  const workspaceIds = enabled(WORKSPACE_CONTROLS.map((control) => control.id));
  const records = await store.listRepositories();
  const stored = await store.getWorkspace();
  const unevaluated: string[] = [];
  const repositories: RepositoryReport[] = records
    .map((record) => {
      const evaluated =
        record.results !== null && (since === null || (record.evaluatedAt !== null && Date.parse(record.evaluatedAt) >= since.getTime()));
      if (!evaluated || budgetStopped((record.results ?? []) as Result[])) unevaluated.push(record.slug);
      const results = evaluated
        ? (record.results as Result[]).filter((result) => repositoryIds.includes(result.control))
        : notYet(repositoryIds, `Not evaluated yet: ${why} this repository was read.`);
      return {
        slug: record.slug,
        uuid: wrapUuid(record.uuid),
        project: record.projectKey,
        mainBranch: record.mainBranch,
        classification: evaluated
          ? record.classification
          : classify(policy, { slug: record.slug, uuid: record.uuid, projectKey: record.projectKey }),
        score: evaluated ? score(results) : null,
        evaluatedAt: evaluated ? record.evaluatedAt : null,
        results,
      };
    })
    .sort((a, b) => a.slug.localeCompare(b.slug));
  const workspaceFresh = stored && (since === null || Date.parse(stored.evaluatedAt) >= since.getTime()) ? stored : null;
  const workspaceResults = workspaceFresh
    ? (workspaceFresh.results as Result[]).filter((result) => workspaceIds.includes(result.control))
    : notYet(workspaceIds, `Not evaluated yet: ${why} the workspace was read.`);
  if (!workspaceFresh || budgetStopped(workspaceResults)) unevaluated.push('(workspace)');
  const all = [...workspaceResults, ...repositories.flatMap((repository) => repository.results)];
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'attest', version },
    generatedAt: generatedAt.toISOString(),
    workspace: { slug: workspace.slug, uuid: wrapUuid(workspace.uuid) },
    policy,
    summary: { score: score(all), repositories: repositories.length, outcomes: countOutcomes(all, emptyCounts()) },
    workspaceResults,
    workspaceEvaluatedAt: workspaceFresh?.evaluatedAt ?? null,
    repositories,
    unevaluated: unevaluated.sort(),
    requests,
  };
}
