/**
 * Product requests (`requestBitbucket`) as Forge sends them: `asApp()` with the app's credentials, `asUser()`
 * only in UI resolvers as the invoking user, to a Bitbucket base URL (the emulator, or the real API with
 * credentials from the environment), under an optional hard cap.
 */
import { BitbucketError } from '../../src/bitbucket/errors';
import type { Scope } from './types';

export interface BitbucketAuth {
  /** Authorization header value for `asApp()` requests, e.g. `Bearer …` or `Basic …`. */
  app: string | null;
  /** Authorization header values for `asUser(accountId)` requests. */
  users?: Record<string, string>;
}

export interface ProductOptions {
  bitbucketBaseUrl: string;
  auth: BitbucketAuth;
  /**
   * A hard cap on Bitbucket requests through this runtime (`attest scan --max-requests`): past it, a request is
   * refused before it leaves, as the app's own budget refuses one (`budget-exhausted`), so what is left unread is
   * reported as such and never passed.
   */
  maxProductRequests?: number;
}

export class ProductTransport {
  /** Product (Bitbucket) requests made, for reports and benchmarks. */
  requests = 0;

  constructor(private readonly options: ProductOptions) {}

  /**
   * `asUser()` as Forge documents it: only in UI resolvers, acting as the invoking user, with no account id
   * argument (https://developer.atlassian.com/platform/forge/apis-reference/fetch-api-product.requestbitbucket/). A user without a grant gets the proxy
   * header `forge-proxy-error: NEEDS_AUTHENTICATION_ERR`, which @forge/api turns into NeedsAuthenticationError
   * (node_modules/@forge/api/out/api/fetch.js, handleProxyResponseErrors).
   */
  private userAuthorization(meta: Record<string, unknown>, scope: Scope | undefined): string | Response {
    if (!scope?.asUserAllowed)
      throw new Error(`asUser() is only available in UI resolvers; ${scope?.functionKey ?? 'tooling code'} is not one`);
    if (meta.accountId !== undefined) throw new Error('asUser() takes no account id in a resolver: Forge acts as the user who invoked it');
    const authorization = scope.principal ? this.options.auth.users?.[scope.principal] : undefined;
    return authorization ?? new Response(null, { status: 401, headers: { 'forge-proxy-error': 'NEEDS_AUTHENTICATION_ERR' } });
  }

  async request(
    meta: Record<string, unknown>,
    requestPath: string,
    init: RequestInit | undefined,
    scope: Scope | undefined,
  ): Promise<Response> {
    let authorization: string | null;
    if (meta.provider === 'user') {
      const user = this.userAuthorization(meta, scope);
      if (user instanceof Response) return user;
      authorization = user;
    } else {
      authorization = this.options.auth.app;
    }
    const headers = new Headers(init?.headers as Record<string, string> | undefined);
    if (authorization) headers.set('authorization', authorization);
    const cap = this.options.maxProductRequests;
    if (cap !== undefined && this.requests >= cap) {
      const where = requestPath.split('?')[0] ?? requestPath;
      throw new BitbucketError('budget-exhausted', where, null, `the cap of ${cap} requests (--max-requests) was reached`);
    }
    const url = this.options.bitbucketBaseUrl.replace(/\/$/, '') + requestPath;
    this.requests++;
    return fetch(url, { ...init, headers });
  }
}
