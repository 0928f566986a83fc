/**
 * The UI modules' resolver: slash-namespaced keys, one envelope, every payload validated. Resolvers read
 * stored state; they never recompute verdicts.
 */
import Resolver from '@forge/resolver';
import { z } from 'zod';
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
  lastScanAt: string | null;
  lastScanCause: string | null;
  truncated: boolean;
  repositories: Array<{ uuid: string; slug: string; name: string; projectKey: string | null; isPrivate: boolean | null; mainBranch: string | null; observedAt: string }>;
}

export async function getDashboard(): Promise<Envelope<DashboardData>> {
  const store = createStore();
  const [scan, repositories] = await Promise.all([store.getScan(), store.listRepositories()]);
  return ok({
    lastScanAt: scan?.lastScanAt ?? null,
    lastScanCause: scan?.lastScanCause ?? null,
    truncated: scan?.truncated ?? false,
    repositories: repositories
      .map(({ uuid, slug, name, projectKey, isPrivate, mainBranch, observedAt }) => ({ uuid, slug, name, projectKey, isPrivate, mainBranch, observedAt }))
      .sort((a, b) => a.slug.localeCompare(b.slug)),
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
