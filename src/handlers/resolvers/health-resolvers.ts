/**
 * The dashboard's Health tab, for workspace administrators: the errors Bitbucket answered the app with in the last
 * week (kept by services/request-ledger.ts), and "Test connection", one read per scope the app needs, as the app,
 * with the hour's headroom from the request ledger.
 */
import { BitbucketError } from '../../bitbucket/errors';
import type { ResolverAnswer } from '../../contract/resolvers';
import { now } from '../../lib/clock';
import { createLogger } from '../../lib/log';
import { checkReach } from '../../services/reach';
import { BITBUCKET_HOURLY_LIMIT, ledgeredAppClient } from '../../services/request-ledger';
import { requestsInWindow } from '../../store/request-ledger';
import { createStore } from '../../store/store';
import { asAdmin } from './admin-resolvers';
import type { ResolverRequest } from './context';
import { ok, type Envelope } from './envelope';

const SHOWN = 500;

const ADMINS_ONLY = 'Only workspace administrators can see the connection’s health.';

export async function getHealth(request: ResolverRequest): Promise<Envelope<ResolverAnswer<'health/get'>>> {
  const admin = await asAdmin(request, ADMINS_ONLY);
  if ('ok' in admin) return admin;
  const store = createStore();
  const kept = await store.recentFailures(SHOWN + 1);
  // The repositories the log names, by slug: one read each of those, not the whole summary.
  const named = [...new Set(kept.slice(0, SHOWN).flatMap((failure) => (failure.repositoryUuid ? [failure.repositoryUuid] : [])))];
  const records = await store.getRepositories(named);
  const slugs = new Map([...records].map(([uuid, record]) => [uuid, record.slug]));
  return ok({
    failures: kept.slice(0, SHOWN).map((failure) => ({
      ...failure,
      repository: failure.repositoryUuid ? (slugs.get(failure.repositoryUuid) ?? failure.repositoryUuid) : null,
    })),
    truncated: kept.length > SHOWN,
  });
}

export async function testConnection(request: ResolverRequest): Promise<Envelope<ResolverAnswer<'health/test'>>> {
  const admin = await asAdmin(request, ADMINS_ONLY);
  if ('ok' in admin) return admin;
  const store = createStore();
  const at = now();
  const log = createLogger({ handler: 'health/test' });
  // As the app, counted like a merge check: someone is waiting on the answer.
  const client = await ledgeredAppClient(store, { kind: 'interactive', chunk: 8, log }, { maxAttempts: 1 });
  const [policy, scan] = await Promise.all([store.getPolicy(), store.getScan()]);
  let listing: ResolverAnswer<'health/test'>['listing'] = 'granted';
  let probes: ResolverAnswer<'health/test'>['probes'] = [];
  try {
    probes = (await checkReach({ workspaceUuid: admin.workspaceUuid, policy, now: at }, client)).probes;
  } catch (error) {
    if (!(error instanceof BitbucketError)) throw error;
    listing = error.kind === 'forbidden' || error.kind === 'unauthorized' ? 'refused' : 'unknown';
  } finally {
    await client.settle();
  }
  return ok({
    testedAt: at.toISOString(),
    listing,
    probes,
    requestsLastHour: await requestsInWindow(at.getTime()),
    hourlyLimit: BITBUCKET_HOURLY_LIMIT,
    hourlyBudget: scan.hourlyBudget,
  });
}
