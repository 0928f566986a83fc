/**
 * Typed errors of the Bitbucket client. The engine turns every one of them into `not-evaluable` with the
 * message and remediation below; handlers map them at the edge (merge check → `{success:false}` or
 * allow per policy, queue consumers → `InvocationError` retry). Nothing in between swallows them.
 */
import { NeedsAuthenticationError } from '@forge/api';

/** `NeedsAuthenticationError#name` in @forge/api (errors.js; the constant itself is not exported). */
const NEEDS_AUTHENTICATION_ERR = 'NEEDS_AUTHENTICATION_ERR';

/**
 * The user has not granted the app access yet. `@forge/api` throws `NeedsAuthenticationError` whose `name`
 * is `NEEDS_AUTHENTICATION_ERR` (node_modules/@forge/api/out/api/errors.js); Forge turns it into a consent
 * prompt only if the resolver lets it through (https://developer.atlassian.com/platform/forge/apis-reference/fetch-api-product.requestbitbucket/).
 * Matched by class and by name: a bundle may hold a second copy of the SDK.
 */
export function isConsentRequired(error: unknown): boolean {
  return error instanceof NeedsAuthenticationError || (error instanceof Error && error.name === NEEDS_AUTHENTICATION_ERR);
}

export type BitbucketErrorKind =
  | 'unauthorized' // 401: credentials missing or not yet valid (right after install, docs/platform-facts.md §2)
  | 'forbidden' // 403: missing scope, not an admin, or a plan-gated feature
  | 'not-found' // 404
  | 'rate-limited' // 429 after retries
  | 'upstream' // 5xx after retries, network errors
  | 'malformed' // a body that is not JSON or not in the documented shape
  | 'bad-request' // other 4xx
  | 'budget-exhausted' // our own request ceiling for this scan was reached
  | 'hour-spent' // the installation's share of Bitbucket's hourly limit for this kind of work is spent (the request ledger)
  | 'internal'; // our own code failed while reading (a bug): never a verdict

export class BitbucketError extends Error {
  readonly kind: BitbucketErrorKind;
  readonly status: number | null;
  readonly path: string;

  constructor(kind: BitbucketErrorKind, path: string, status: number | null, detail: string) {
    super(`${describeKind(kind, status)} for ${path}${detail ? `: ${detail}` : ''}`);
    this.name = 'BitbucketError';
    this.kind = kind;
    this.status = status;
    this.path = path;
  }

  /** What a workspace admin should do about it, in order. */
  remediation(): string[] {
    switch (this.kind) {
      case 'unauthorized':
        return [
          'If the app was installed in the last few minutes, wait: Bitbucket can refuse a new installation for a short time.',
          'Otherwise reinstall the app, or check the credentials given to `attest` (BITBUCKET_TOKEN or BITBUCKET_EMAIL with BITBUCKET_API_TOKEN).',
        ];
      case 'forbidden':
        return [
          'Check that the app has the scope this endpoint needs (branch restrictions and pipelines_config need admin:repository:bitbucket).',
          'For `attest scan`, use a token of a workspace or repository administrator.',
          'Some settings are plan-gated (Premium); on other plans Bitbucket refuses to show them.',
        ];
      case 'not-found':
        return ['Check that the repository or workspace still exists and that the app can see it.'];
      case 'rate-limited':
        return [
          'Bitbucket rate-limited the app; the next scheduled run retries. Lower the hourly request budget in settings if this repeats.',
        ];
      case 'upstream':
        return ['Bitbucket did not answer correctly; the next scheduled run retries. Check https://bitbucket.status.atlassian.com/.'];
      case 'malformed':
        return ['Bitbucket answered in an unexpected shape; the next scheduled run retries. Report it if it persists.'];
      case 'bad-request':
        return ['Report this to the Attest maintainers: the app asked Bitbucket something it refused.'];
      case 'budget-exhausted':
        return ['The request budget for this scan was spent; the remaining subjects are evaluated on the next run.'];
      case 'hour-spent':
        return [
          "Nothing to do: the app's share of Bitbucket's hourly request limit was spent, and this is read again as soon as the rolling hour has room.",
        ];
      case 'internal':
        return ['Report this to the Attest maintainers with the message above; the next scheduled run retries.'];
    }
  }
}

function describeKind(kind: BitbucketErrorKind, status: number | null): string {
  const code = status === null ? '' : ` (HTTP ${status})`;
  switch (kind) {
    case 'unauthorized':
      return `Bitbucket refused the credentials${code}`;
    case 'forbidden':
      return `Bitbucket denied access${code}`;
    case 'not-found':
      return `Bitbucket has no such resource${code}`;
    case 'rate-limited':
      return `Bitbucket rate limit reached${code}`;
    case 'upstream':
      return `Bitbucket failed to answer${code}`;
    case 'malformed':
      return `Bitbucket sent an unexpected response${code}`;
    case 'bad-request':
      return `Bitbucket rejected the request${code}`;
    case 'budget-exhausted':
      return 'The request budget was spent';
    case 'hour-spent':
      return "The app's requests for this hour are spent";
    case 'internal':
      return 'Attest failed while reading Bitbucket';
  }
}

export function kindForStatus(status: number): BitbucketErrorKind {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'upstream';
  return 'bad-request';
}
