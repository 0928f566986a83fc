/**
 * The emulator's API semantics, over real HTTP: pagination chains, pagelen limits, OPEN-only pull-request
 * lists, BBQL, fields, auth and admin 403s, rate limiting, and each fault kind.
 */
import { SimClock } from '../runtime/clock';
import { BitbucketEmulator } from './server';
import { DEMO_NOW, demoSeed } from './seeds';
import type { SeedInput } from './model';

const AUTH = { authorization: 'Bearer test-token' };

async function get(emulator: BitbucketEmulator, path: string, headers: Record<string, string> = AUTH) {
  const response = await fetch(`${emulator.url}${path}`, { headers });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // text/plain answers (429, files) stay text
  }
  return {
    status: response.status,
    headers: response.headers,
    body: body as Record<string, unknown> & { values?: Array<Record<string, unknown>>; next?: string },
  };
}

function withCredentials(seed: SeedInput, credentials: SeedInput['credentials'], rateLimitPerHour?: number): SeedInput {
  return { ...seed, credentials, ...(rateLimitPerHour ? { rateLimitPerHour } : {}) };
}

describe('Bitbucket emulator', () => {
  let emulator: BitbucketEmulator;
  let clock: SimClock;

  beforeEach(async () => {
    clock = new SimClock(DEMO_NOW);
    emulator = new BitbucketEmulator(
      withCredentials(demoSeed(), [
        { token: 'test-token', label: 'admin' },
        { token: 'reader-token', label: 'reader', admin: false },
        { token: 'tiny-token', label: 'tiny', rateLimitPerHour: 3 },
      ]),
      clock,
    );
    await emulator.listen();
  });
  afterEach(() => emulator.close());

  it('follows opaque absolute next links through every page', async () => {
    const seen: string[] = [];
    let path: string | null = '/2.0/repositories/acme?pagelen=10';
    let pages = 0;
    while (path) {
      const page = await get(emulator, path);
      expect(page.status).toBe(200);
      seen.push(...page.body.values!.map((repo) => String(repo.slug)));
      pages++;
      path = page.body.next ? new URL(page.body.next).pathname + new URL(page.body.next).search : null;
      if (page.body.next) expect(page.body.next.startsWith(emulator.url)).toBe(true);
    }
    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(44);
  });

  it('addresses workspaces and repositories by slug or {uuid}, braces encoded or not', async () => {
    const ws = emulator.seed.workspaces[0]!;
    const repo = ws.repositories[0]!;
    for (const path of [
      `/2.0/repositories/${ws.uuid}/${repo.uuid}`,
      `/2.0/repositories/${encodeURIComponent(ws.uuid)}/${encodeURIComponent(repo.uuid)}`,
      `/2.0/repositories/acme/${repo.slug}`,
    ]) {
      const answer = await get(emulator, path);
      expect(answer.status).toBe(200);
      expect(answer.body.uuid).toBe(repo.uuid);
    }
  });

  it.each([
    ['repositories above 100', '/2.0/repositories/acme?pagelen=101', 400],
    ['repositories at 100', '/2.0/repositories/acme?pagelen=100', 200],
    ['pull requests above 50', '/2.0/repositories/acme/payments-api/pullrequests?pagelen=51', 400],
    ['pull requests at 50', '/2.0/repositories/acme/payments-api/pullrequests?pagelen=50', 200],
  ])('enforces the pagelen maximum: %s', async (_name, path, status) => {
    const answer = await get(emulator, path);
    expect(answer.status).toBe(status);
    if (status === 400) expect(answer.body).toEqual({ type: 'error', error: { message: 'Invalid pagelen', detail: expect.any(String) } });
  });

  it('lists OPEN pull requests only, unless state is given (repeatable)', async () => {
    const repo = emulator.seed.workspaces[0]!.repositories[0]!;
    const count = (state: string) => repo.pullRequests.filter((pr) => pr.state === state).length;
    const open = await get(emulator, '/2.0/repositories/acme/payments-api/pullrequests?pagelen=50');
    expect(open.body.values!.every((pr) => pr.state === 'OPEN')).toBe(true);
    expect(open.body.size).toBe(count('OPEN'));
    const closed = await get(emulator, '/2.0/repositories/acme/payments-api/pullrequests?pagelen=50&state=MERGED&state=DECLINED');
    expect(closed.body.size).toBe(count('MERGED') + count('DECLINED'));
    expect(open.body.values!.every((pr) => pr.participants === undefined)).toBe(true);
  });

  it('filters and sorts with BBQL', async () => {
    const since = new Date(DEMO_NOW - 30 * 86_400_000).toISOString();
    const answer = await get(
      emulator,
      `/2.0/repositories/acme/payments-api/pullrequests?state=MERGED&pagelen=50&q=${encodeURIComponent(`updated_on >= ${since} AND (destination.branch.name = "main" OR destination.branch.name = "master")`)}&sort=-updated_on`,
    );
    expect(answer.status).toBe(200);
    const dates = answer.body.values!.map((pr) => Date.parse(String(pr.updated_on)));
    expect(dates.every((date) => date >= Date.parse(since))).toBe(true);
    expect([...dates].sort((a, b) => b - a)).toEqual(dates);
    const contains = await get(
      emulator,
      `/2.0/repositories/acme?pagelen=100&q=${encodeURIComponent('slug ~ "pay" AND is_private = true')}`,
    );
    expect(contains.body.values!.map((repo) => repo.slug)).toEqual(['payments-api']);
    const bad = await get(emulator, `/2.0/repositories/acme?q=${encodeURIComponent('slug === "x"')}`);
    expect(bad.status).toBe(400);
  });

  it('answers partial responses with fields=, and has_2fa_enabled only when asked by an admin', async () => {
    const partial = await get(emulator, '/2.0/repositories/acme?pagelen=2&fields=values.slug,next');
    expect(Object.keys(partial.body).sort()).toEqual(['next', 'values']);
    expect(partial.body.values).toEqual([{ slug: expect.any(String) }, { slug: expect.any(String) }]);
    const plain = await get(emulator, '/2.0/workspaces/acme/members?pagelen=100');
    expect(plain.body.values!.some((m) => 'has_2fa_enabled' in (m.user as object))).toBe(false);
    const with2fa = await get(emulator, '/2.0/workspaces/acme/members?pagelen=100&fields=%2Bvalues.user.has_2fa_enabled');
    const flags = with2fa.body.values!.map((m) => (m.user as { has_2fa_enabled?: boolean }).has_2fa_enabled);
    expect(flags.filter((flag) => flag === false)).toHaveLength(2);
    expect(flags.filter((flag) => flag === undefined)).toHaveLength(1);
    const asReader = await get(emulator, '/2.0/workspaces/acme/members?pagelen=100&fields=%2Bvalues.user.has_2fa_enabled', {
      authorization: 'Bearer reader-token',
    });
    expect(asReader.body.values!.every((m) => !('has_2fa_enabled' in (m.user as object)))).toBe(true);
  });

  it('answers 401 without credentials, 403 on admin-only endpoints for a non-admin, 404 for unknown things', async () => {
    expect((await get(emulator, '/2.0/repositories/acme', {})).status).toBe(401);
    expect((await get(emulator, '/2.0/repositories/acme', { authorization: 'Bearer wrong' })).status).toBe(401);
    for (const path of [
      '/2.0/repositories/acme/payments-api/branch-restrictions',
      '/2.0/repositories/acme/payments-api/pipelines_config',
      '/2.0/workspaces/acme/permissions',
    ]) {
      const denied = await get(emulator, path, { authorization: 'Bearer reader-token' });
      expect(denied.status).toBe(403);
      expect(denied.body).toMatchObject({ type: 'error', error: { message: 'Access denied' } });
      expect((await get(emulator, path)).status).toBe(200);
    }
    expect((await get(emulator, '/2.0/repositories/acme/no-such-repo')).status).toBe(404);
    expect((await get(emulator, '/2.0/repositories/nobody')).status).toBe(404);
    expect((await get(emulator, '/2.0/no/such/route')).status).toBe(404);
  });

  it('filters branch restrictions by kind and pattern', async () => {
    const all = await get(emulator, '/2.0/repositories/acme/payments-api/branch-restrictions?pagelen=100');
    const push = await get(emulator, '/2.0/repositories/acme/payments-api/branch-restrictions?kind=push&pattern=main');
    expect(all.body.values!.length).toBeGreaterThan(push.body.values!.length);
    expect(push.body.values!.map((r) => r.kind)).toEqual(['push']);
  });

  it('serves files from the main branch and 404s for other refs and missing files', async () => {
    const file = await get(emulator, '/2.0/repositories/acme/payments-api/src/main/bitbucket-pipelines.yml');
    expect(file.status).toBe(200);
    expect(String(file.body)).toContain('snyk');
    expect((await get(emulator, '/2.0/repositories/acme/payments-api/src/main/missing.yml')).status).toBe(404);
    expect((await get(emulator, '/2.0/repositories/acme/payments-api/src/other/bitbucket-pipelines.yml')).status).toBe(404);
  });

  it('rate-limits per credential over a rolling hour with a text/plain 429 and no Retry-After', async () => {
    const tiny = { authorization: 'Bearer tiny-token' };
    for (let i = 0; i < 3; i++) expect((await get(emulator, '/2.0/repositories/acme', tiny)).status).toBe(200);
    const limited = await get(emulator, '/2.0/repositories/acme', tiny);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toBe('text/plain');
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(limited.headers.get('x-ratelimit-limit')).toBe('3');
    expect((await get(emulator, '/2.0/repositories/acme')).status).toBe(200); // other credentials are unaffected
    clock.advance(3_600_001);
    expect((await get(emulator, '/2.0/repositories/acme', tiny)).status).toBe(200);
  });

  it('injects a status N times, then recovers', async () => {
    emulator.addFault({ path: '^/2.0/repositories/acme$', kind: 'status', status: 503, times: 2 });
    expect((await get(emulator, '/2.0/repositories/acme')).status).toBe(503);
    expect((await get(emulator, '/2.0/repositories/acme')).status).toBe(503);
    expect((await get(emulator, '/2.0/repositories/acme')).status).toBe(200);
  });

  it('injects malformed JSON, truncated bodies, dangling next links, latency and connection resets', async () => {
    emulator.addFault({ path: 'ledger$', kind: 'malformed', times: 1 });
    expect(typeof (await get(emulator, '/2.0/repositories/acme/ledger')).body).toBe('string');
    emulator.addFault({ path: 'checkout-web$', kind: 'truncated-body', times: 1 });
    expect(typeof (await get(emulator, '/2.0/repositories/acme/checkout-web')).body).toBe('string');
    emulator.addFault({ path: '^/2.0/repositories/acme$', kind: 'dangling-next', times: 1 });
    const first = await get(emulator, '/2.0/repositories/acme?pagelen=10');
    const next = new URL(first.body.next!);
    expect((await get(emulator, next.pathname + next.search)).status).toBe(404);
    emulator.addFault({ path: 'sandbox$', kind: 'latency', latencyMs: 150, times: 1 });
    const started = performance.now();
    expect((await get(emulator, '/2.0/repositories/acme/sandbox')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    emulator.addFault({ path: 'ledger$', kind: 'reset', times: 1 });
    await expect(get(emulator, '/2.0/repositories/acme/ledger')).rejects.toThrow();
  });

  it('takes faults from the seed file too', async () => {
    const seeded = new BitbucketEmulator(
      { ...demoSeed(), faults: [{ path: '^/2.0/workspaces/acme$', kind: 'status', status: 502, times: 1 }] },
      clock,
    );
    await seeded.listen();
    try {
      expect((await get(seeded, '/2.0/workspaces/acme')).status).toBe(502);
      expect((await get(seeded, '/2.0/workspaces/acme')).status).toBe(200);
    } finally {
      await seeded.close();
    }
    expect(() => new BitbucketEmulator({ ...demoSeed(), faults: [{ path: 'x', kind: 'explode' }] }, clock)).toThrow();
  });

  it('keeps a request log with method, path, query, status, duration and credential', async () => {
    await get(emulator, '/2.0/repositories/acme?pagelen=5');
    await get(emulator, '/2.0/repositories/acme', { authorization: 'Bearer reader-token' });
    expect(emulator.log).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/2.0/repositories/acme',
        query: 'pagelen=5',
        status: 200,
        credential: 'admin',
        durationMs: expect.any(Number),
      }),
      expect.objectContaining({ path: '/2.0/repositories/acme', status: 200, credential: 'reader' }),
    ]);
  });

  it('emits the Forge events of its mutations, in the thin Forge shape', async () => {
    const events: Array<Record<string, unknown>> = [];
    emulator.onEvent((event) => void events.push(event));
    const { pullRequestId } = await emulator.mutate({
      type: 'open-pull-request',
      workspace: 'acme',
      repository: 'ledger',
      title: 'ACME-1: fix',
      authorId: emulator.seed.users[0]!.accountId,
      sourceBranch: 'feature/ACME-1',
      sourceCommit: 'a'.repeat(40),
    });
    await emulator.mutate({
      type: 'merge-pull-request',
      workspace: 'acme',
      repository: 'ledger',
      pullRequestId: pullRequestId!,
      accountId: emulator.seed.users[0]!.accountId,
    });
    expect(events.map((event) => event.eventType)).toEqual(['avi:bitbucket:created:pullrequest', 'avi:bitbucket:fulfilled:pullrequest']);
    expect(events[1]).toMatchObject({
      selfGenerated: false,
      workspace: { uuid: emulator.seed.workspaces[0]!.uuid },
      pullrequest: {
        id: pullRequestId,
        state: 'MERGED',
        title: { truncated: false, value: 'ACME-1: fix' },
        source: { branch: 'feature/ACME-1' },
        mergeCommit: { hash: expect.any(String) },
      },
    });
  });
});
