/**
 * What the credentials can read, checked up front with one request per kind of read the controls need, so a
 * scan with a token that lacks (say) repository-admin rights says at once which controls it cannot evaluate,
 * and the app does not ask for the same refused read for every repository (ScanState.refusedNeeds).
 * Only a 401/403 is a refusal; any other answer leaves the read to the scan, which reports what it finds.
 */
import { route } from '@forge/api';
import { z } from 'zod';
import { appRequest, createBitbucketClient, type BitbucketCall, type BitbucketClient } from '../bitbucket/client';
import { BitbucketError } from '../bitbucket/errors';
import { CATALOGUE } from '../controls';
import { wrapUuid } from '../lib/uuid';
import type { Policy } from '../policy/policy';

interface Probe {
  /** The snapshot needs this read answers for. */
  needs: readonly string[];
  what: string;
  /** The scope Bitbucket asks for it (the OpenAPI document's `x-atlassian-oauth2-scopes` for the endpoint). */
  scope: string;
  call: BitbucketCall;
}

/**
 * The endpoint each probe reads (as the OpenAPI document names its path) and the scope it says the endpoint needs:
 * `test/contract/openapi.test.ts` checks each pair against the document's `x-atlassian-oauth2-scopes`.
 */
export const PROBE_ENDPOINTS: ReadonlyArray<{ path: string; scope: string }> = [
  { path: '/workspaces/{workspace}/members', scope: 'read:workspace:bitbucket' },
  { path: '/workspaces/{workspace}/permissions', scope: 'read:workspace:bitbucket' },
  { path: '/repositories/{workspace}/{repo_slug}/branch-restrictions', scope: 'admin:repository:bitbucket' },
  { path: '/repositories/{workspace}/{repo_slug}/effective-default-reviewers', scope: 'read:pullrequest:bitbucket' },
  { path: '/repositories/{workspace}/{repo_slug}/pipelines_config', scope: 'admin:repository:bitbucket' },
  { path: '/repositories/{workspace}/{repo_slug}/pipelines', scope: 'read:pipeline:bitbucket' },
  { path: '/repositories/{workspace}/{repo_slug}/pullrequests', scope: 'read:pullrequest:bitbucket' },
  { path: '/workspaces/{workspace}/pipelines-config/variables', scope: 'read:pipeline:bitbucket' },
  { path: '/repositories/{workspace}/{repo_slug}/pipelines_config/variables', scope: 'read:pipeline:bitbucket' },
];

/** What one read answered: granted, refused (401/403), or unknown (another error: the scan will say more). */
export interface ProbeResult {
  what: string;
  scope: string;
  answer: 'granted' | 'refused' | 'unknown';
  status: number | null;
  /** The controls that cannot be evaluated without it. */
  controls: string[];
}

export interface Reach {
  /** By need: the refusal, with when it was seen. */
  refused: Record<string, { at: string; message: string }>;
  /** One sentence per refused read, naming the controls it leaves not-evaluable. */
  lines: string[];
  requests: number;
  probes: ProbeResult[];
}

const Listing = z.object({ values: z.array(z.object({ uuid: z.string(), slug: z.string().optional(), full_name: z.string() })) });

/** The scope an endpoint of PROBE_ENDPOINTS needs. */
function scopeOf(path: string): string {
  const scope = PROBE_ENDPOINTS.find((endpoint) => endpoint.path === path)?.scope;
  if (!scope) throw new Error(`no scope recorded for ${path}`);
  return scope;
}

function workspaceProbes(ws: string): Probe[] {
  return [
    {
      needs: ['members'],
      what: 'workspace members',
      scope: scopeOf('/workspaces/{workspace}/members'),
      call: (b) => b.requestBitbucket(route`/2.0/workspaces/${ws}/members?pagelen=1`),
    },
    {
      needs: ['workspacePermissions'],
      what: 'workspace permissions',
      scope: scopeOf('/workspaces/{workspace}/permissions'),
      call: (b) => b.requestBitbucket(route`/2.0/workspaces/${ws}/permissions?pagelen=1`),
    },
    {
      needs: ['workspaceVariables'],
      what: 'workspace Pipelines variables',
      scope: scopeOf('/workspaces/{workspace}/pipelines-config/variables'),
      call: (b) => b.requestBitbucket(route`/2.0/workspaces/${ws}/pipelines-config/variables?pagelen=1&fields=${'values.key,next'}`),
    },
  ];
}

function probesFor(workspaceUuid: string, repository: { uuid: string; name: string } | null): Probe[] {
  const ws = wrapUuid(workspaceUuid);
  const probes = workspaceProbes(ws);
  if (repository === null) return probes;
  const repo = wrapUuid(repository.uuid);
  const on = (path: 'branch-restrictions' | 'effective-default-reviewers' | 'pipelines_config'): BitbucketCall =>
    path === 'pipelines_config'
      ? (b) => b.requestBitbucket(route`/2.0/repositories/${ws}/${repo}/pipelines_config`)
      : path === 'branch-restrictions'
        ? (b) => b.requestBitbucket(route`/2.0/repositories/${ws}/${repo}/branch-restrictions?pagelen=1`)
        : (b) => b.requestBitbucket(route`/2.0/repositories/${ws}/${repo}/effective-default-reviewers?pagelen=1`);
  return [
    ...probes,
    {
      needs: ['branchRestrictions', 'effectiveBranchingModel'],
      what: `branch restrictions (of ${repository.name})`,
      scope: scopeOf('/repositories/{workspace}/{repo_slug}/branch-restrictions'),
      call: on('branch-restrictions'),
    },
    {
      needs: ['effectiveDefaultReviewers'],
      what: `default reviewers (of ${repository.name})`,
      scope: scopeOf('/repositories/{workspace}/{repo_slug}/effective-default-reviewers'),
      call: on('effective-default-reviewers'),
    },
    {
      needs: ['pipelinesConfig'],
      what: `the Pipelines setting (of ${repository.name})`,
      scope: scopeOf('/repositories/{workspace}/{repo_slug}/pipelines_config'),
      call: on('pipelines_config'),
    },
    {
      needs: ['mainBranchPipelines'],
      what: `pipelines (of ${repository.name})`,
      scope: scopeOf('/repositories/{workspace}/{repo_slug}/pipelines'),
      call: (b) => b.requestBitbucket(route`/2.0/repositories/${ws}/${repo}/pipelines/?pagelen=1`),
    },
    {
      needs: ['mergedPullRequests'],
      what: `pull requests (of ${repository.name})`,
      scope: scopeOf('/repositories/{workspace}/{repo_slug}/pullrequests'),
      call: (b) => b.requestBitbucket(route`/2.0/repositories/${ws}/${repo}/pullrequests?state=MERGED&pagelen=1`),
    },
    {
      // Deployment variables are read under the same scope and by the same people as the repository's own.
      needs: ['pipelineVariables', 'deploymentVariables'],
      what: `Pipelines variables (of ${repository.name})`,
      scope: scopeOf('/repositories/{workspace}/{repo_slug}/pipelines_config/variables'),
      call: (b) =>
        b.requestBitbucket(route`/2.0/repositories/${ws}/${repo}/pipelines_config/variables?pagelen=1&fields=${'values.key,next'}`),
    },
  ];
}

/** The controls (not disabled) that need any of these reads. */
function controlsNeeding(needs: readonly string[], policy: Policy): string[] {
  return CATALOGUE.filter(
    (control) => !policy.disabledControls.includes(control.id) && control.needs.some((need) => needs.includes(need)),
  ).map((control) => control.id);
}

/** One probe's answer, and the refusal it records. */
async function probe(client: BitbucketClient, candidate: Probe, policy: Policy): Promise<ProbeResult> {
  const result = { what: candidate.what, scope: candidate.scope, controls: controlsNeeding(candidate.needs, policy) };
  try {
    await client.getJson(candidate.call, z.unknown());
    return { ...result, answer: 'granted', status: 200 };
  } catch (error) {
    if (!(error instanceof BitbucketError)) throw error;
    const refused = error.kind === 'forbidden' || error.kind === 'unauthorized';
    return { ...result, answer: refused ? 'refused' : 'unknown', status: error.status };
  }
}

/**
 * Runs the probes as the app (`client`: the CLI's own, or a ledgered one in the app); throws only when the
 * repositories cannot be listed at all (nothing could be scanned, and the listing's scope is missing).
 */
export async function checkReach(
  ctx: { workspaceUuid: string; policy: Policy; now: Date },
  client: BitbucketClient = createBitbucketClient({ request: appRequest(), maxAttempts: 2 }),
): Promise<Reach> {
  const ws = wrapUuid(ctx.workspaceUuid);
  const before = client.budget.used;
  const listing = await client.getJson((b) => b.requestBitbucket(route`/2.0/repositories/${ws}?pagelen=1`), Listing);
  const first = listing.values[0];
  const repository = first ? { uuid: first.uuid, name: first.slug ?? first.full_name } : null;
  const reach: Reach = { refused: {}, lines: [], requests: 0, probes: [] };
  for (const candidate of probesFor(ctx.workspaceUuid, repository)) {
    const result = await probe(client, candidate, ctx.policy);
    reach.probes.push(result);
    if (result.answer !== 'refused') continue;
    const message = `the credentials were refused ${candidate.what} (HTTP ${result.status ?? '?'})`;
    for (const need of candidate.needs) reach.refused[need] = { at: ctx.now.toISOString(), message };
    if (result.controls.length > 0)
      reach.lines.push(`${message}: ${result.controls.join(', ')} cannot be evaluated; Attest will not ask again in this scan`);
  }
  reach.requests = client.budget.used - before;
  return reach;
}
