/**
 * Policy lookups the engine needs: classification (explicit entries, then rules; first match wins),
 * exceptions and attestations against the injected clock (docs/controls.md "Classification", "Exceptions"),
 * and the whole subject of a repository evaluation resolved once (`resolveRepository`).
 */
import { globMatches } from '../lib/glob';
import { unwrapUuid, isUuid } from '../lib/uuid';
import type { RepositoryControl, RepositoryNeed, RepositorySubject } from '../controls/types';
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

/** Why an enabled control does not apply to a repository. */
export type NotApplicable = 'non-production' | 'empty';

/**
 * Everything the policy decides about one repository, resolved once before anything is read: its
 * classification, the enabled controls and whether each applies, the reads those need, and the exception
 * (live or latest expired) of each control. Collect reads `needs`; evaluate runs `applicable` controls and
 * attaches `exceptions`; nobody asks the policy again.
 */
export interface ResolvedRepository extends RepositorySubject {
  identity: RepositoryIdentity;
  applicable: RepositoryControl[];
  notApplicable: Array<{ control: RepositoryControl; why: NotApplicable }>;
  needs: Set<RepositoryNeed>;
  exceptions: Map<string, ExceptionMatch>;
}

export function resolveRepository(
  catalogue: readonly RepositoryControl[],
  target: { identity: RepositoryIdentity; mainBranch: string | null },
  policy: Policy,
  now: Date,
): ResolvedRepository {
  const classification = classify(policy, target.identity);
  const resolved: ResolvedRepository = {
    identity: target.identity,
    classification,
    mainBranch: target.mainBranch,
    applicable: [],
    notApplicable: [],
    needs: new Set(),
    exceptions: new Map(),
  };
  for (const control of catalogue) {
    if (policy.disabledControls.includes(control.id)) continue;
    const match = findException(policy, control.id, target.identity, now);
    if (match) resolved.exceptions.set(control.id, match);
    if (classification === 'non-production' && !control.appliesToNonProduction)
      resolved.notApplicable.push({ control, why: 'non-production' });
    else if (target.mainBranch === null && control.needsMainBranch) resolved.notApplicable.push({ control, why: 'empty' });
    else {
      resolved.applicable.push(control);
      for (const need of control.needs) resolved.needs.add(need);
    }
  }
  return resolved;
}

/** The exceptions of the workspace controls (no repository), resolved once. */
export function resolveWorkspaceExceptions(catalogue: readonly { id: string }[], policy: Policy, now: Date): Map<string, ExceptionMatch> {
  const exceptions = new Map<string, ExceptionMatch>();
  for (const control of catalogue) {
    const match = findException(policy, control.id, null, now);
    if (match) exceptions.set(control.id, match);
  }
  return exceptions;
}
