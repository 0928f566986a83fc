/**
 * What the demo seed was built to show: the intended verdict of each deterministic control for each
 * repository profile (a production or unclassified repository), written down so a test can hold the engine
 * to it. The pull-request and build-rate controls depend on generated activity; their expected verdicts
 * are computed from the seed's own pull requests and pipelines (see test/engine/demo-verdicts.test.ts).
 */
import type { Outcome } from '../../src/controls/types';
import type { Profile } from './seeds';

type Expectation = Record<string, Outcome>;

const PROTECTED: Expectation = {
  'BB-BP-1': 'pass',
  'BB-BP-2': 'pass',
  'BB-BP-3': 'pass',
  'BB-BP-4': 'pass',
  'BB-CR-1': 'pass',
  'BB-CR-2': 'pass',
  'BB-CR-3': 'pass',
  'BB-CI-1': 'pass',
  'BB-CI-2': 'pass',
};

export const INTENDED: Record<Profile, Expectation> = {
  // Everything configured and enforced, a scanner in the pipeline, default reviewers.
  exemplary: {
    ...PROTECTED,
    'BB-REPO-2': 'pass',
    'BB-BP-5': 'pass',
    'BB-CR-4': 'pass',
    'BB-CI-4': 'pass',
    // Snyk reported yesterday: medium and low findings, a high one ignored; secrets secured.
    'BB-VULN-1': 'pass',
    'BB-VULN-2': 'pass',
    'BB-CI-5': 'pass',
  },
  // Configured but not enforced: merge checks only warn (BB-BP-4 fails; the others pass as advisory).
  advisory: {
    ...PROTECTED,
    'BB-BP-4': 'fail',
    'BB-REPO-2': 'pass',
    'BB-BP-5': 'pass',
    'BB-CR-4': 'fail',
    'BB-CI-4': 'fail',
    // SonarCloud last reported 60 days ago (the policy allows 30); it found nothing.
    'BB-VULN-1': 'fail',
    'BB-VULN-2': 'pass',
    'BB-CI-5': 'pass',
  },
  // A person and a group on the push restriction.
  bypass: {
    ...PROTECTED,
    'BB-REPO-2': 'pass',
    'BB-BP-5': 'fail',
    'BB-CR-4': 'pass',
    'BB-CI-4': 'pass',
    // Snyk reports one critical and two high findings; the Production environment has an unsecured password.
    'BB-VULN-1': 'pass',
    'BB-VULN-2': 'fail',
    'BB-CI-5': 'fail',
  },
  // Protected, but public.
  public: {
    ...PROTECTED,
    'BB-REPO-2': 'fail',
    'BB-BP-5': 'pass',
    'BB-CR-4': 'fail',
    'BB-CI-4': 'fail',
    'BB-VULN-1': 'fail',
    'BB-VULN-2': 'not-applicable',
    'BB-CI-5': 'pass',
  },
  // Nothing configured; Pipelines never set up.
  unprotected: {
    'BB-REPO-2': 'pass',
    'BB-BP-1': 'fail',
    'BB-BP-2': 'fail',
    'BB-BP-3': 'fail',
    'BB-BP-4': 'fail',
    'BB-BP-5': 'not-applicable',
    'BB-CR-1': 'fail',
    'BB-CR-2': 'fail',
    'BB-CR-3': 'fail',
    'BB-CR-4': 'fail',
    'BB-CI-1': 'fail',
    'BB-CI-2': 'fail',
    'BB-CI-3': 'not-applicable',
    'BB-CI-4': 'fail',
    // No scanner; AWS keys in unsecured repository variables.
    'BB-VULN-1': 'fail',
    'BB-VULN-2': 'not-applicable',
    'BB-CI-5': 'fail',
  },
  // Force-push blocked everywhere (`*`), a push restriction on release/* only, 0 approvals, Pipelines off.
  partial: {
    'BB-REPO-2': 'pass',
    'BB-BP-1': 'fail',
    'BB-BP-2': 'pass',
    'BB-BP-3': 'fail',
    'BB-BP-4': 'fail',
    'BB-BP-5': 'not-applicable',
    'BB-CR-1': 'fail',
    'BB-CR-2': 'fail',
    'BB-CR-3': 'fail',
    'BB-CR-4': 'fail',
    'BB-CI-1': 'fail',
    'BB-CI-2': 'fail',
    'BB-CI-3': 'not-applicable',
    'BB-CI-4': 'fail',
    'BB-VULN-1': 'fail',
    'BB-VULN-2': 'not-applicable',
    'BB-CI-5': 'pass',
  },
  // Restrictions by branching model: `development` resolves to the main branch (applies); `production` is a
  // separate branch (the approvals rule does not apply). The deploy bot is a declared service account.
  'branching-model': {
    'BB-REPO-2': 'pass',
    'BB-BP-1': 'pass',
    'BB-BP-2': 'pass',
    'BB-BP-3': 'pass',
    'BB-BP-4': 'pass',
    'BB-BP-5': 'pass',
    'BB-CR-1': 'fail',
    'BB-CR-2': 'fail',
    'BB-CR-3': 'fail',
    'BB-CR-4': 'fail',
    'BB-CI-1': 'fail',
    'BB-CI-2': 'pass',
    'BB-CI-4': 'fail',
    // An in-house scanner the policy does not list, still scanning.
    'BB-VULN-1': 'fail',
    'BB-VULN-2': 'not-evaluable',
    'BB-CI-5': 'pass',
  },
  // No main branch: every branch control is not-applicable.
  empty: {
    'BB-REPO-2': 'pass',
    'BB-BP-1': 'not-applicable',
    'BB-BP-2': 'not-applicable',
    'BB-BP-3': 'not-applicable',
    'BB-BP-4': 'not-applicable',
    'BB-BP-5': 'not-applicable',
    'BB-CR-1': 'not-applicable',
    'BB-CR-2': 'not-applicable',
    'BB-CR-3': 'not-applicable',
    'BB-CR-4': 'not-applicable',
    'BB-CI-1': 'not-applicable',
    'BB-CI-2': 'pass',
    'BB-CI-3': 'not-applicable',
    'BB-CI-4': 'not-applicable',
    'BB-PR-1': 'not-applicable',
    'BB-PR-2': 'not-applicable',
    'BB-VULN-1': 'not-applicable',
    'BB-VULN-2': 'not-applicable',
    'BB-CI-5': 'pass',
  },
};

/** The workspace controls under the demo policy. */
export const INTENDED_WORKSPACE: Expectation = {
  'BB-AC-1': 'fail', // Frances Allen is offboarded but still a member
  'BB-AC-2': 'fail', // four owners, more than three
  'BB-MFA-1': 'fail', // two members without two-step verification
  'BB-MFA-2': 'not-evaluable', // no attestation
  'BB-CI-6': 'fail', // DOCKERHUB_PASSWORD is an unsecured workspace variable
  // No access review has been completed yet: nothing revoked to follow, and none recent.
  'BB-AC-3': 'not-applicable',
  'BB-AC-4': 'fail',
  'BB-AC-5': 'fail',
};
