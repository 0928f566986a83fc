/**
 * Policy lookups the engine needs: classification (explicit entries, then rules; first match wins),
 * exceptions and attestations against the injected clock (controls.md "Classification", "Exceptions").
 */
import { globMatches } from '../lib/glob';
import { unwrapUuid, isUuid } from '../lib/uuid';
import type { Attestation, Classification, Policy, PolicyException } from './policy';

export interface RepositoryIdentity {
  slug: string;
  uuid: string;
  projectKey: string | null;
}

export function sameRepository(reference: string, repository: Pick<RepositoryIdentity, 'slug' | 'uuid'>): boolean {
  if (reference === repository.slug) return true;
  return isUuid(reference) && isUuid(repository.uuid) && unwrapUuid(reference) === unwrapUuid(repository.uuid);
}

export function classify(policy: Policy, repository: RepositoryIdentity): Classification | 'unclassified' {
  for (const [reference, classification] of Object.entries(policy.classification.repositories)) {
    if (sameRepository(reference, repository)) return classification;
  }
  for (const rule of policy.classification.rules) {
    const projectMatches = rule.project === undefined || rule.project === repository.projectKey;
    const slugMatches = rule.repository === undefined || globMatches(rule.repository, repository.slug);
    if (projectMatches && slugMatches) return rule.classification;
  }
  return 'unclassified';
}

export interface ExceptionMatch {
  exception: PolicyException;
  expired: boolean;
}

/** The exception for this control and repository: a live one if any, else the latest expired one. */
export function findException(policy: Policy, control: string, repository: RepositoryIdentity | null, now: Date): ExceptionMatch | null {
  const candidates = policy.exceptions.filter(
    (exception) =>
      exception.control === control &&
      (exception.repository === '*' || (repository !== null && sameRepository(exception.repository, repository))),
  );
  if (candidates.length === 0) return null;
  const live = candidates.find((exception) => Date.parse(exception.expiresOn) > now.getTime());
  if (live) return { exception: live, expired: false };
  const latest = candidates.reduce((a, b) => (Date.parse(b.expiresOn) > Date.parse(a.expiresOn) ? b : a));
  return { exception: latest, expired: true };
}

export function validAttestation(policy: Policy, control: string, now: Date): Attestation | null {
  return (
    policy.attestations.find((attestation) => attestation.control === control && Date.parse(attestation.expiresOn) > now.getTime()) ?? null
  );
}

export function expiredAttestation(policy: Policy, control: string, now: Date): Attestation | null {
  return (
    policy.attestations.find((attestation) => attestation.control === control && Date.parse(attestation.expiresOn) <= now.getTime()) ?? null
  );
}
