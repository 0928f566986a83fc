/**
 * The UI modules' resolver: slash-namespaced keys, one envelope, every payload validated. Reads serve
 * stored state; writes are for administrators as Bitbucket tells it (see admin-resolvers.ts).
 */
import Resolver from '@forge/resolver';
import { isConsentRequired } from '../../bitbucket/errors';
import { createLogger } from '../../lib/log';
import {
  addAttestation,
  addException,
  recheckRepository,
  revokeAttestation,
  revokeException,
  scanNow,
  setOffboarded,
  updatePolicy,
} from './admin-resolvers';
import type { ResolverRequest } from './context';
import { failure, type Envelope } from './envelope';
import { getDashboard, getDashboardRepositories, getEvidence, getPolicy, getPullRequestCard, getRepositoryCard } from './read-resolvers';

function withEnvelope(key: string, fn: (request: ResolverRequest) => Promise<Envelope<unknown>>) {
  return async (request: ResolverRequest): Promise<Envelope<unknown>> => {
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

const ROUTES: Record<string, (request: ResolverRequest) => Promise<Envelope<unknown>>> = {
  'dashboard/get': () => getDashboard(),
  'dashboard/repositories': () => getDashboardRepositories(),
  'evidence/get': getEvidence,
  'policy/get': () => getPolicy(),
  'repository/get': getRepositoryCard,
  'pull-request/get': getPullRequestCard,
  'policy/update': updatePolicy,
  'exceptions/add': addException,
  'exceptions/revoke': revokeException,
  'attestations/add': addAttestation,
  'attestations/revoke': revokeAttestation,
  'offboarded/set': setOffboarded,
  'scan/now': scanNow,
  'repository/recheck': recheckRepository,
};

/** Built once per module load: the definitions are immutable after construction. */
export const uiResolver = Object.entries(ROUTES)
  .reduce((resolver, [key, fn]) => resolver.define(key, withEnvelope(key, fn)), new Resolver())
  .getDefinitions();
