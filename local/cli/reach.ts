/**
 * What the credentials can read, checked up front with one request per kind of read the controls need, so a
 * scan with a token that lacks (say) repository-admin rights says at once which controls it cannot evaluate,
 * and the app does not ask for the same refused read for every repository (ScanState.refusedNeeds).
 * Only a 401/403 is a refusal; any other answer leaves the read to the scan, which reports what it finds.
 */
import { route } from '@forge/api';
import { z } from 'zod';
import { appRequest, createBitbucketClient, type BitbucketCall } from '../../src/bitbucket/client';
import { BitbucketError } from '../../src/bitbucket/errors';
import { CATALOGUE } from '../../src/controls';
import { wrapUuid } from '../../src/lib/uuid';
import type { Policy } from '../../src/policy/policy';

interface Probe {
  /** The snapshot needs this read answers for. */
  needs: readonly string[];
  what: string;
  call: BitbucketCall;
}

export interface Reach {
  /** By need: the refusal, with when it was seen. */
  refused: Record<string, { at: string; message: string }>;
  /** One sentence per refused read, naming the controls it leaves not-evaluable. */
  lines: string[];
  requests: number;
}

const Listing = z.object({ values: z.array(z.object({ uuid: z.string(), slug: z.string().optional(), full_name: z.string() })) });

function probesFor(workspaceUuid: string, repository: { uuid: string; name: string } | null): Probe[] {
  const ws = wrapUuid(workspaceUuid);
  const probes: Probe[] = [
    { needs: ['members'], what: 'workspace members', call: (b) => b.requestBitbucket(route`/2.0/workspaces/${ws}/members?pagelen=1`) },
    {
      needs: ['workspacePermissions'],
      what: 'workspace permissions',
      call: (b) => b.requestBitbucket(route`/2.0/workspaces/${ws}/permissions?pagelen=1`),
    },
  ];
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
      call: on('branch-restrictions'),
    },
    { needs: ['effectiveDefaultReviewers'], what: `default reviewers (of ${repository.name})`, call: on('effective-default-reviewers') },
    { needs: ['pipelinesConfig'], what: `the Pipelines setting (of ${repository.name})`, call: on('pipelines_config') },
    {
      needs: ['mainBranchPipelines'],
      what: `pipelines (of ${repository.name})`,
      call: (b) => b.requestBitbucket(route`/2.0/repositories/${ws}/${repo}/pipelines/?pagelen=1`),
    },
    {
      needs: ['mergedPullRequests'],
      what: `pull requests (of ${repository.name})`,
      call: (b) => b.requestBitbucket(route`/2.0/repositories/${ws}/${repo}/pullrequests?state=MERGED&pagelen=1`),
    },
  ];
}

/** Runs the probes; throws only when the repositories cannot be listed at all (nothing could be scanned). */
export async function checkReach(workspaceUuid: string, policy: Policy, at: Date): Promise<Reach> {
  const client = createBitbucketClient({ request: appRequest(), maxAttempts: 2 });
  const ws = wrapUuid(workspaceUuid);
  const listing = await client.getJson((b) => b.requestBitbucket(route`/2.0/repositories/${ws}?pagelen=1`), Listing);
  const first = listing.values[0];
  const repository = first ? { uuid: first.uuid, name: first.slug ?? first.full_name } : null;
  const reach: Reach = { refused: {}, lines: [], requests: 0 };
  for (const probe of probesFor(workspaceUuid, repository)) {
    try {
      await client.getJson(probe.call, z.unknown());
    } catch (error) {
      if (!(error instanceof BitbucketError) || (error.kind !== 'forbidden' && error.kind !== 'unauthorized')) continue;
      const message = `the credentials were refused ${probe.what} (HTTP ${error.status ?? '?'})`;
      for (const need of probe.needs) reach.refused[need] = { at: at.toISOString(), message };
      const controls = CATALOGUE.filter(
        (control) => !policy.disabledControls.includes(control.id) && control.needs.some((need) => probe.needs.includes(need)),
      ).map((control) => control.id);
      if (controls.length > 0)
        reach.lines.push(`${message}: ${controls.join(', ')} cannot be evaluated; Attest will not ask again in this scan`);
    }
  }
  reach.requests = client.budget.used;
  return reach;
}
