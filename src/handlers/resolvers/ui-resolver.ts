/**
 * The UI modules' resolvers: one function per module in the manifest, each defining only the keys its
 * module calls, so a key of another module is refused by @forge/resolver itself (defence in depth: every
 * key also decides who may call it, as Bitbucket tells it about the caller). One envelope, every payload
 * validated. Reads serve stored state; writes are for administrators (see admin-resolvers.ts).
 */
import Resolver from '@forge/resolver';
import { isConsentRequired } from '../../bitbucket/errors';
import { createLogger } from '../../lib/log';
import {
  addAttestation,
  addException,
  backfillEvidence,
  recheckRepository,
  revokeAttestation,
  revokeException,
  scanNow,
  setOffboarded,
  updatePolicy,
} from './admin-resolvers';
import type { ResolverAnswer, ResolverKey } from '../../contract/resolvers';
import { requestEvidenceDownload, requestFindingsDownload } from './evidence-download';
import {
  completeAccessReview,
  decideAccessReview,
  exportAccessReview,
  getAccessReview,
  keepUnchanged,
  listAccessReviews,
  startAccessReview,
} from './access-review-resolvers';
import { getHealth, testConnection } from './health-resolvers';
import { getDelivery } from './delivery-resolvers';
import type { ResolverRequest } from './context';
import { failure, type Envelope } from './envelope';
import { licenseState, UNLICENSED_MESSAGE } from '../license';
import {
  getDashboard,
  getDashboardRepositories,
  getEvidence,
  getPolicy,
  getPullRequestCard,
  getRepositoryCard,
  verifyEvidence,
} from './read-resolvers';

type Route = (request: ResolverRequest) => Promise<Envelope<unknown>>;

/** Each key's resolver produces what the contract says the UI parses for it (src/contract/resolvers.ts). */
type Routes = { [K in ResolverKey]?: (request: ResolverRequest) => Promise<Envelope<ResolverAnswer<K>>> };

function withEnvelope(key: string, fn: Route) {
  return async (request: ResolverRequest): Promise<Envelope<unknown>> => {
    // Checked before anything is read: an inactive licence shows its state, never the workspace's data.
    if (licenseState(request.context) === 'inactive') return failure('UNLICENSED', UNLICENSED_MESSAGE);
    try {
      return await fn(request);
    } catch (error) {
      // Forge turns this one into a consent prompt for the user: let it through.
      if (isConsentRequired(error)) throw error;
      createLogger({ handler: 'ui-resolver', key }).error('Resolver failed', {
        error: error instanceof Error ? error.message : String(error),
      });
      return failure('INTERNAL', 'Attest could not complete this. Try again in a moment.');
    }
  };
}

/** The keys each module calls (its frontend under src/frontend/<module>/), and nothing else. */
export const MODULE_ROUTES = {
  dashboard: {
    'dashboard/get': getDashboard,
    'dashboard/repositories': getDashboardRepositories,
    'evidence/get': getEvidence,
    'evidence/verify': verifyEvidence,
    'evidence/download': requestEvidenceDownload,
    'findings/download': requestFindingsDownload,
    'evidence/backfill': backfillEvidence,
    'repository/get': getRepositoryCard,
    'scan/now': scanNow,
    'health/get': getHealth,
    'health/test': testConnection,
    'access-review/list': listAccessReviews,
    'access-review/get': getAccessReview,
    'access-review/start': startAccessReview,
    'access-review/decide': decideAccessReview,
    'access-review/keep-unchanged': keepUnchanged,
    'access-review/complete': completeAccessReview,
    'access-review/export': exportAccessReview,
    'delivery/get': getDelivery,
  },
  settings: {
    'policy/get': getPolicy,
    'policy/update': updatePolicy,
    'exceptions/add': addException,
    'exceptions/revoke': revokeException,
    'attestations/add': addAttestation,
    'attestations/revoke': revokeAttestation,
    'offboarded/set': setOffboarded,
  },
  repositoryCard: {
    'repository/get': getRepositoryCard,
    'repository/recheck': recheckRepository,
  },
  pullRequestCard: {
    'pull-request/get': getPullRequestCard,
  },
} satisfies Record<string, Routes>;

function definitions(routes: Record<string, Route>) {
  return Object.entries(routes)
    .reduce((resolver, [key, fn]) => resolver.define(key, withEnvelope(key, fn)), new Resolver())
    .getDefinitions();
}

/** Built once per module load: the definitions are immutable after construction. */
export const dashboardResolver = definitions(MODULE_ROUTES.dashboard);
export const settingsResolver = definitions(MODULE_ROUTES.settings);
export const repositoryCardResolver = definitions(MODULE_ROUTES.repositoryCard);
export const pullRequestCardResolver = definitions(MODULE_ROUTES.pullRequestCard);
