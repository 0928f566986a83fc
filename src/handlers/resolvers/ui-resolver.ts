/**
 * The UI modules' resolver: slash-namespaced keys, one envelope, every payload validated. Resolvers read
 * stored state; they never recompute verdicts.
 */
import Resolver from '@forge/resolver';
import { z } from 'zod';
import type { StoredResult, SummaryRow } from '../../store/records';
import { createStore } from '../../store/store';
import { PULL_REQUEST_CHECK_TITLES } from '../../checks/pull-request-checks';
import { isUuid, unwrapUuid } from '../../lib/uuid';
import { failure, ok, parsePayload, type Envelope } from './envelope';

const Extension = z.object({
  repository: z.object({ uuid: z.string() }).partial().optional(),
  pullRequest: z.object({ id: z.union([z.number(), z.string()]) }).partial().optional(),
});

const RepositoryPayload = z.object({ repositoryUuid: z.string().refine(isUuid, 'expected a repository UUID').optional() }).strict();
const PullRequestPayload = z
  .object({
    repositoryUuid: z.string().refine(isUuid, 'expected a repository UUID').optional(),
    pullRequestId: z.number().int().positive().optional(),
  })
  .strict();

interface ResolverRequest {
  payload?: unknown;
  context?: { extension?: unknown; accountId?: string; workspaceId?: string };
}

function extensionOf(request: ResolverRequest): z.infer<typeof Extension> {
  const parsed = Extension.safeParse(request.context?.extension ?? {});
  return parsed.success ? parsed.data : {};
}

export interface DashboardData {
  summary: {
    generatedAt: string;
    repositories: number;
    evaluated: number;
    score: number | null;
    outcomes: Record<'pass' | 'fail' | 'not-evaluable' | 'not-applicable', number>;
    oldestEvaluatedAt: string | null;
  } | null;
  repositories: SummaryRow[];
  workspaceResults: StoredResult[];
  freshness: { lastPlanAt: string | null; hourlyBudget: number; hoursPerFullPass: number | null; rateLimitedAt: string | null; truncated: boolean };
}

/** Three KVS reads however many repositories there are: the summary meta, its chunks, the workspace. */
export async function getDashboard(): Promise<Envelope<DashboardData>> {
  const store = createStore();
  const [summary, workspace, scan] = await Promise.all([store.getSummary(), store.getWorkspace(), store.getScan()]);
  return ok({
    summary: summary ? { generatedAt: summary.meta.generatedAt, repositories: summary.meta.repositories, evaluated: summary.meta.evaluated, score: summary.meta.score, outcomes: summary.meta.outcomes, oldestEvaluatedAt: summary.meta.oldestEvaluatedAt } : null,
    repositories: summary?.rows ?? [],
    workspaceResults: workspace?.results ?? [],
    freshness: { lastPlanAt: scan.lastPlanAt, hourlyBudget: scan.hourlyBudget, hoursPerFullPass: scan.hoursPerFullPass, rateLimitedAt: scan.rateLimitedAt, truncated: scan.truncated },
  });
}

async function getRepositoryCard(request: ResolverRequest) {
  const input = parsePayload(RepositoryPayload, request.payload);
  if ('error' in input) return input.error;
  const uuid = input.data.repositoryUuid ?? extensionOf(request).repository?.uuid;
  if (!uuid || !isUuid(uuid)) return failure('INVALID_INPUT', 'repositoryUuid: no repository in the payload or the module context');
  const record = await createStore().getRepository(unwrapUuid(uuid));
  return ok({ repository: record ?? null });
}

async function getPullRequestCard(request: ResolverRequest) {
  const input = parsePayload(PullRequestPayload, request.payload);
  if ('error' in input) return input.error;
  const extension = extensionOf(request);
  const uuid = input.data.repositoryUuid ?? extension.repository?.uuid;
  const id = input.data.pullRequestId ?? Number(extension.pullRequest?.id);
  if (!uuid || !isUuid(uuid)) return failure('INVALID_INPUT', 'repositoryUuid: no repository in the payload or the module context');
  if (!Number.isInteger(id) || id <= 0) return failure('INVALID_INPUT', 'pullRequestId: no pull request in the payload or the module context');
  const record = await createStore().getPullRequest(unwrapUuid(uuid), id);
  return ok({ pullRequest: record ?? null, checkTitles: PULL_REQUEST_CHECK_TITLES });
}

function withEnvelope(fn: (request: ResolverRequest) => Promise<Envelope<unknown>>) {
  return async (request: ResolverRequest): Promise<Envelope<unknown>> => {
    try {
      return await fn(request);
    } catch (error) {
      console.error(JSON.stringify({ level: 'error', message: 'Resolver failed', error: error instanceof Error ? error.message : String(error) }));
      return failure('INTERNAL', 'Attest could not load this data. Try again in a moment.');
    }
  };
}

export const RESOLVER_KEYS = ['dashboard/get', 'policy/get', 'repository/get', 'pull-request/get'] as const;

/** Built once per module load: the definitions are immutable after construction. */
export const uiResolver = new Resolver()
  .define('dashboard/get', withEnvelope(() => getDashboard()))
  .define('policy/get', withEnvelope(async () => ok(await createStore().getPolicy())))
  .define('repository/get', withEnvelope(getRepositoryCard))
  .define('pull-request/get', withEnvelope(getPullRequestCard))
  .getDefinitions();
