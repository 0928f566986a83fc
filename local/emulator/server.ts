/**
 * A Bitbucket Cloud REST API 2.0 emulator on a real listening socket, with the API's semantics rather than a
 * happy path: the pagination envelope with opaque absolute `next` links and per-endpoint `pagelen` maxima,
 * OPEN-only pull-request lists, BBQL `q`/`sort`, `fields=`, the error envelope, 401/403/404, a rolling-hour
 * rate limit per credential answered with text/plain 429s and no Retry-After, fault injection, a request
 * log and a simulated clock. Mutations (open, approve, merge…) emit the matching Forge events.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { Clock } from '../runtime/clock';
import { BbqlError, matches, parseBbql, sortBy } from './bbql';
import { applyFields, parseFields } from './fields';
import {
  BranchRestrictionSeed as BranchRestrictionSchema,
  Seed,
  type PullRequestSeed,
  type RepositorySeed,
  type SeedInput,
  type StatusSeed,
  type WorkspaceSeed,
} from './model';
import { repositoryAccess, isWorkspaceOwner, type Access } from './access';
import * as render from './render';
import { Redirect } from './http-error';
import { HttpError, PAGELEN_DEFAULT, PAGELEN_MAX, route, writeRoute, type Credential, type PageOptions, type RouteHost } from './routes';

export interface LogEntry {
  method: string;
  path: string;
  query: string;
  status: number;
  durationMs: number;
  credential: string | null;
  at: number;
  /** Answered by an injected fault (`addFault`), not by the route or the rate limit. */
  injected?: boolean;
}

export const FaultRule = z.object({
  /** A regular expression matched against the decoded request path. */
  path: z.string(),
  kind: z.enum(['status', 'malformed', 'truncated-body', 'reset', 'latency', 'dangling-next', 'omit-field']),
  /** For `omit-field`: the key removed wherever it appears in the answer (an answer that leaves a field out). */
  field: z.string().optional(),
  status: z.number().int().min(400).max(599).default(500),
  /** How many matching requests fail before the route recovers; null: forever. */
  times: z.number().int().positive().nullable().default(null),
  latencyMs: z.number().int().nonnegative().default(0),
  retryAfterSeconds: z.number().int().positive().optional(),
});
export type FaultRule = z.input<typeof FaultRule>;

interface ActiveFault {
  rule: z.infer<typeof FaultRule>;
  pattern: RegExp;
  remaining: number | null;
}

export type ForgeEvent = { eventType: string } & Record<string, unknown>;

function normalizeUuid(value: string): string {
  return value.replace(/[{}]/g, '').toLowerCase();
}

export class BitbucketEmulator implements RouteHost {
  readonly seed: Seed;
  readonly log: LogEntry[] = [];
  private server: http.Server | null = null;
  private baseUrl = '';
  private faults: ActiveFault[] = [];
  private readonly requestTimes = new Map<string, number[]>();
  private readonly listeners: Array<(event: ForgeEvent) => Promise<unknown> | unknown> = [];

  constructor(
    seed: SeedInput,
    readonly clock: Clock,
  ) {
    this.seed = Seed.parse(seed);
    for (const fault of this.seed.faults) this.addFault(FaultRule.parse(fault));
  }

  get url(): string {
    if (!this.baseUrl) throw new Error('the emulator is not listening');
    return this.baseUrl;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    const address = this.server.address() as AddressInfo;
    this.baseUrl = `http://${host}:${address.port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ---- configuration from tests ----------------------------------------------------------------

  addFault(rule: FaultRule): void {
    const parsed = FaultRule.parse(rule);
    this.faults.push({ rule: parsed, pattern: new RegExp(parsed.path), remaining: parsed.times });
  }

  clearFaults(): void {
    this.faults = [];
  }

  onEvent(listener: (event: ForgeEvent) => Promise<unknown> | unknown): void {
    this.listeners.push(listener);
  }

  users() {
    return new Map(this.seed.users.map((user) => [user.accountId, user]));
  }

  workspace(id: string): WorkspaceSeed {
    const key = normalizeUuid(decodeURIComponent(id));
    const found = this.seed.workspaces.find((ws) => ws.slug === decodeURIComponent(id) || normalizeUuid(ws.uuid) === key);
    if (!found) throw new HttpError(404, `Workspace ${decodeURIComponent(id)} not found`);
    return found;
  }

  repository(ws: WorkspaceSeed, id: string): RepositorySeed {
    const key = normalizeUuid(decodeURIComponent(id));
    const found = ws.repositories.find((repo) => repo.slug === decodeURIComponent(id) || normalizeUuid(repo.uuid) === key);
    if (!found) throw new HttpError(404, `Repository ${ws.slug}/${decodeURIComponent(id)} not found`);
    return found;
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  private authenticate(header: string | undefined): Credential | null {
    if (!header) return null;
    const [scheme, value] = header.split(' ', 2);
    if (!value || !scheme) return null;
    let token: string;
    if (scheme.toLowerCase() === 'bearer') token = value;
    else if (scheme.toLowerCase() === 'basic') token = Buffer.from(value, 'base64').toString('utf8');
    else return null;
    if (this.seed.credentials.length === 0) {
      return { label: `token-${token.slice(0, 6)}`, admin: true, accountId: null, rateLimitPerHour: this.seed.rateLimitPerHour };
    }
    const found = this.seed.credentials.find((credential) => credential.token === token);
    if (!found) return null;
    return {
      label: found.label ?? `token-${token.slice(0, 6)}`,
      admin: found.admin,
      accountId: found.accountId ?? null,
      rateLimitPerHour: found.rateLimitPerHour ?? this.seed.rateLimitPerHour,
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', this.baseUrl);
    const entry = logEntry(req, url, this.clock.now());
    const send = (status: number, body: string, contentType: string, headers: Record<string, string> = {}) => {
      entry.status = status;
      entry.durationMs = performance.now() - started;
      if (!url.pathname.startsWith('/_emulator')) this.log.push(entry);
      res.writeHead(status, { 'content-type': contentType, ...headers });
      res.end(body);
    };
    try {
      if (url.pathname.startsWith('/_emulator/')) {
        const body = await readBody(req);
        const result = await this.admin(req.method ?? 'GET', url.pathname, body);
        return send(200, JSON.stringify(result ?? {}), 'application/json');
      }
      const credential = this.authenticate(req.headers.authorization);
      entry.credential = credential?.label ?? null;
      if (!credential)
        return send(401, JSON.stringify(render.errorBody('Unauthorized', 'Credentials are missing or invalid.')), 'application/json', {
          'www-authenticate': 'Bearer realm="Bitbucket.org HTTP"',
        });

      const { limited, headers: rateHeaders } = this.rateLimit(credential, url);
      if (limited) return send(429, 'Rate limit for this resource has been exceeded', 'text/plain', rateHeaders);
      const fault = this.takeFault(entry.path);
      if (fault && fault.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
      if (fault?.kind === 'reset') {
        entry.status = 0;
        this.log.push(entry);
        req.socket.destroy();
        return;
      }
      const injected = fault ? injectedAnswer(fault, rateHeaders) : null;
      if (injected) entry.injected = true;
      if (injected) return send(injected.status, injected.body, injected.contentType, injected.headers);
      const method = req.method ?? 'GET';
      const request = { url, credential, base: this.baseUrl, users: this.users(), fields: parseFields(url.searchParams.get('fields')) };
      const answer = method === 'GET' ? route(this, request) : writeRoute(this, { ...request, method, body: await readRequestBody(req) });
      if (typeof answer === 'string') return send(200, answer, 'text/plain', rateHeaders);
      if (answer instanceof Redirect) return send(302, '', 'text/plain', { ...rateHeaders, location: answer.location });
      return send(200, this.shaped(answer, fault, url), 'application/json', rateHeaders);
    } catch (error) {
      if (error instanceof HttpError)
        return send(error.status, JSON.stringify(render.errorBody(error.message, error.detail)), 'application/json');
      if (error instanceof BbqlError) return send(400, JSON.stringify(render.errorBody(error.message)), 'application/json');
      return send(
        500,
        JSON.stringify(render.errorBody('Internal emulator error', error instanceof Error ? error.message : String(error))),
        'application/json',
      );
    }
  }

  private takeFault(path: string): z.infer<typeof FaultRule> | null {
    for (const fault of this.faults) {
      if (!fault.pattern.test(path)) continue;
      if (fault.remaining !== null) {
        if (fault.remaining <= 0) continue;
        fault.remaining--;
      }
      return fault.rule;
    }
    return null;
  }

  /**
   * A rolling hour per credential (https://support.atlassian.com/bitbucket-cloud/docs/api-request-limits/):
   * whether this request is over it, and the headers scaled endpoints carry. Bitbucket answers 429 with a
   * text/plain body and usually no Retry-After (docs/platform-facts.md §9).
   */
  private rateLimit(credential: Credential, url: URL): { limited: boolean; headers: Record<string, string> } {
    const now = this.clock.now();
    const times = (this.requestTimes.get(credential.label) ?? []).filter((at) => at > now - 3_600_000);
    const headers: Record<string, string> = url.pathname.startsWith('/2.0/repositories/')
      ? {
          'x-ratelimit-limit': String(credential.rateLimitPerHour),
          'x-ratelimit-nearlimit': String(times.length >= credential.rateLimitPerHour * 0.8),
        }
      : {};
    const limited = times.length >= credential.rateLimitPerHour;
    if (!limited) times.push(now);
    this.requestTimes.set(credential.label, times);
    return { limited, headers };
  }

  /** The route's answer as text, altered by a fault that shapes it (a dangling next link, an omitted field, a cut body). */
  private shaped(answer: unknown, fault: z.infer<typeof FaultRule> | null, url: URL): string {
    let body = answer;
    if (fault?.kind === 'dangling-next' && body && typeof body === 'object') {
      body = { ...(body as Record<string, unknown>), next: `${this.baseUrl}${url.pathname}?page=9999&pagelen=10&dangling=1` };
    }
    if (fault?.kind === 'omit-field' && fault.field) body = withoutKey(body, fault.field);
    const text = JSON.stringify(body);
    return fault?.kind === 'truncated-body' ? text.slice(0, Math.floor(text.length / 2)) : text;
  }

  now(): number {
    return this.clock.now();
  }

  page(url: URL, items: unknown[], options: PageOptions = {}): Record<string, unknown> {
    const { max = PAGELEN_MAX, fields, renderItem = (item: unknown) => item } = options;
    const pagelen = url.searchParams.has('pagelen') ? Number(url.searchParams.get('pagelen')) : PAGELEN_DEFAULT;
    if (!Number.isInteger(pagelen) || pagelen < 1 || pagelen > max)
      throw new HttpError(400, 'Invalid pagelen', `pagelen must be between 1 and ${max}`);
    const page = url.searchParams.has('page') ? Number(url.searchParams.get('page')) : 1;
    if (!Number.isInteger(page) || page < 1) throw new HttpError(400, 'Invalid page');
    const start = (page - 1) * pagelen;
    if (start > 0 && start >= items.length) throw new HttpError(404, 'Page not found');
    const out: Record<string, unknown> = { pagelen, size: items.length, page, values: items.slice(start, start + pagelen).map(renderItem) };
    if (start + pagelen < items.length) {
      const next = new URL(url.toString());
      next.searchParams.set('page', String(page + 1));
      out.next = next.toString();
    }
    if (page > 1) {
      const previous = new URL(url.toString());
      previous.searchParams.set('page', String(page - 1));
      out.previous = previous.toString();
    }
    return fields ? (applyFields(out, fields) as Record<string, unknown>) : out;
  }

  filter(url: URL, items: Record<string, unknown>[]): Record<string, unknown>[] {
    const q = url.searchParams.get('q');
    const filtered = q ? items.filter((item) => matches(parseBbql(q), item)) : items;
    return sortBy(filtered, url.searchParams.get('sort'));
  }

  /**
   * A credential of a person (`accountId`) is an administrator where that person is: a workspace owner, or for
   * repository settings whoever holds admin on the repository through any grant (access.ts). Other
   * credentials (the app's, access tokens) carry their `admin` flag.
   */
  requireAdmin(credential: Credential, what: string, ws?: WorkspaceSeed, repo?: RepositorySeed): void {
    let admin = credential.admin;
    if (credential.accountId && ws)
      admin = repo ? repositoryAccess(ws, repo, credential.accountId) === 'admin' : isWorkspaceOwner(ws, credential.accountId);
    if (!admin) throw new HttpError(403, 'Access denied', `You must be an administrator to read ${what}.`);
  }

  /** A person reads a private repository only through a grant (access.ts); membership alone is not one. */
  requireRead(credential: Credential, ws: WorkspaceSeed, repo: RepositorySeed): void {
    if (!credential.accountId) return;
    if (repositoryAccess(ws, repo, credential.accountId) === 'none')
      throw new HttpError(403, 'Access denied', 'You do not have access to this repository.');
  }

  /**
   * The repositories a credential may list. A person sees those they can read; with `role` (member,
   * contributor, admin: OpenAPI, GET /repositories/{workspace}) only those they hold at least that role on
   * through a grant, public ones included only when granted.
   */
  visibleRepositories(url: URL, credential: Credential, ws: WorkspaceSeed): RepositorySeed[] {
    const role = url.searchParams.get('role');
    if (role !== null && !['member', 'contributor', 'admin', 'owner'].includes(role))
      throw new HttpError(400, 'Invalid role', 'role must be member, contributor, admin or owner');
    if (!credential.accountId) return ws.repositories;
    const accountId = credential.accountId;
    if (role === null) return ws.repositories.filter((repo) => repositoryAccess(ws, repo, accountId) !== 'none');
    const least: Access = role === 'admin' || role === 'owner' ? 'admin' : role === 'contributor' ? 'write' : 'read';
    const rank: Record<Access, number> = { none: 0, read: 1, write: 2, admin: 3 };
    return ws.repositories.filter((repo) => rank[repositoryAccess(ws, repo, accountId, { publicRead: false })] >= rank[least]);
  }

  // ---- admin API and mutations -----------------------------------------------------------------

  private async admin(method: string, pathname: string, body: unknown): Promise<unknown> {
    if (pathname === '/_emulator/log') {
      if (method === 'DELETE') this.log.length = 0;
      return { entries: this.log };
    }
    if (pathname === '/_emulator/faults') {
      if (method === 'DELETE') this.clearFaults();
      else this.addFault(FaultRule.parse(body));
      return { faults: this.faults.map((fault) => fault.rule) };
    }
    if (pathname === '/_emulator/mutations' && method === 'POST') return this.mutate(Mutation.parse(body));
    throw new HttpError(404, `unknown emulator admin route ${method} ${pathname}`);
  }

  private async emit(event: ForgeEvent): Promise<void> {
    for (const listener of this.listeners) await listener(event);
  }

  private eventBase(ws: WorkspaceSeed, repo: RepositorySeed, eventType: string, actorId: string | null): ForgeEvent {
    const actor = actorId ? this.seed.users.find((user) => user.accountId === actorId) : undefined;
    const project = ws.projects.find((p) => p.key === repo.projectKey);
    return {
      eventType,
      timestamp: new Date(this.clock.now()).toISOString(),
      selfGenerated: false,
      ...(actor ? { actor: { type: 'user', accountId: actor.accountId, uuid: actor.uuid } } : {}),
      repository: { uuid: repo.uuid },
      ...(project ? { project: { uuid: project.uuid } } : {}),
      workspace: { uuid: ws.uuid },
    };
  }

  private pullRequestEvent(
    where: { ws: WorkspaceSeed; repo: RepositorySeed; pr: PullRequestSeed },
    eventType: string,
    actorId: string | null,
  ): ForgeEvent {
    const { ws, repo, pr } = where;
    // Forge pull-request payloads are thin: `title` is {truncated, value}, branches are strings.
    return {
      ...this.eventBase(ws, repo, eventType, actorId),
      pullrequest: {
        id: pr.id,
        state: pr.state,
        title: { truncated: false, value: pr.title },
        source: { branch: pr.sourceBranch, commit: { hash: pr.sourceCommit } },
        destination: { branch: pr.destinationBranch, commit: { hash: pr.destinationCommit } },
        ...(pr.mergeCommit ? { mergeCommit: { hash: pr.mergeCommit } } : {}),
      },
    };
  }

  /** Applies one mutation, then emits the Forge event Bitbucket would send for it. */
  async mutate(mutation: Mutation): Promise<{ ok: true; pullRequestId?: number }> {
    const ws = this.workspace(mutation.workspace);
    const nowIso = new Date(this.clock.now()).toISOString();
    switch (mutation.type) {
      case 'open-pull-request':
        return this.openPullRequest(ws, mutation, nowIso);
      case 'review':
        return this.review(ws, mutation, nowIso);
      case 'build-status':
        return this.buildStatus(ws, mutation, nowIso);
      case 'push-to-pull-request':
        return this.pushToPullRequest(ws, mutation, nowIso);
      case 'merge-pull-request':
        return this.closePullRequest(ws, mutation, nowIso);
      case 'decline-pull-request':
        return this.closePullRequest(ws, mutation, nowIso);
      case 'set-branch-restrictions':
        return this.setBranchRestrictions(ws, mutation, nowIso);
      case 'delete-repository':
        return this.deleteRepository(ws, mutation, nowIso);
      case 'comment-on-pull-request':
        return this.commentOnPullRequest(ws, mutation, nowIso);
    }
  }

  private async openPullRequest(
    ws: WorkspaceSeed,
    mutation: Extract<Mutation, { type: 'open-pull-request' }>,
    nowIso: string,
  ): Promise<{ ok: true; pullRequestId?: number }> {
    const repo = this.repository(ws, mutation.repository);
    const id = Math.max(0, ...repo.pullRequests.map((pr) => pr.id)) + 1;
    const pr: PullRequestSeed = {
      id,
      title: mutation.title,
      description: '',
      authorId: mutation.authorId,
      state: 'OPEN',
      sourceBranch: mutation.sourceBranch,
      destinationBranch: mutation.destinationBranch ?? repo.mainBranch ?? 'main',
      sourceCommit: mutation.sourceCommit,
      destinationCommit: '0000000000000000000000000000000000000000',
      mergeCommit: null,
      createdOn: nowIso,
      updatedOn: nowIso,
      mergedOn: null,
      closedById: null,
      participants: [],
      reviewers: mutation.reviewers ?? [],
      diffstat: [{ path: 'src/index.ts', added: mutation.linesAdded ?? 12, removed: mutation.linesRemoved ?? 3 }],
      pushes: [],
      comments: [],
    };
    repo.pullRequests.push(pr);
    await this.emit(this.pullRequestEvent({ ws, repo, pr }, 'avi:bitbucket:created:pullrequest', mutation.authorId));
    return { ok: true, pullRequestId: id };
  }

  private async review(
    ws: WorkspaceSeed,
    mutation: Extract<Mutation, { type: 'review' }>,
    nowIso: string,
  ): Promise<{ ok: true; pullRequestId?: number }> {
    const repo = this.repository(ws, mutation.repository);
    const pr = this.findPullRequest(repo, mutation.pullRequestId);
    let participant = pr.participants.find((p) => p.accountId === mutation.accountId);
    if (!participant) {
      participant = { accountId: mutation.accountId, role: 'PARTICIPANT', approved: false, state: null, participatedOn: null };
      pr.participants.push(participant);
    }
    participant.approved = mutation.decision === 'approve';
    participant.state = mutation.decision === 'approve' ? 'approved' : mutation.decision === 'request-changes' ? 'changes_requested' : null;
    participant.participatedOn = nowIso;
    pr.updatedOn = nowIso;
    const user = this.seed.users.find((u) => u.accountId === mutation.accountId);
    await this.emit({
      ...this.pullRequestEvent({ ws, repo, pr }, 'avi:bitbucket:updated:pullrequest-reviewer-status', mutation.accountId),
      reviewers: {
        value: [{ user: { accountId: mutation.accountId, uuid: user?.uuid }, status: participant.state ?? 'none', timestamp: nowIso }],
      },
    });
    return { ok: true };
  }

  private async buildStatus(
    ws: WorkspaceSeed,
    mutation: Extract<Mutation, { type: 'build-status' }>,
    nowIso: string,
  ): Promise<{ ok: true; pullRequestId?: number }> {
    const repo = this.repository(ws, mutation.repository);
    const existing = repo.statuses.find((s) => s.commit === mutation.commit && s.key === mutation.key);
    const status: StatusSeed = {
      commit: mutation.commit,
      key: mutation.key,
      state: mutation.state,
      refname: mutation.refname ?? null,
      name: mutation.key,
      url: 'https://ci.example.com/build',
      createdOn: existing?.createdOn ?? nowIso,
      updatedOn: nowIso,
    };
    if (existing) Object.assign(existing, status);
    else repo.statuses.push(status);
    await this.emit({
      ...this.eventBase(ws, repo, existing ? 'avi:bitbucket:updated:build-status' : 'avi:bitbucket:created:build-status', null),
      buildStatus: {
        key: status.key,
        state: status.state,
        commit: { hash: status.commit },
        url: status.url,
        ...(status.refname ? { refName: status.refname } : {}),
      },
    });
    return { ok: true };
  }

  private async pushToPullRequest(
    ws: WorkspaceSeed,
    mutation: Extract<Mutation, { type: 'push-to-pull-request' }>,
    nowIso: string,
  ): Promise<{ ok: true; pullRequestId?: number }> {
    const repo = this.repository(ws, mutation.repository);
    const pr = this.findPullRequest(repo, mutation.pullRequestId);
    if (pr.state !== 'OPEN') throw new HttpError(400, `Pull request ${pr.id} is ${pr.state}`);
    pr.pushes.push({ previous: pr.sourceCommit, commit: mutation.commit, at: nowIso });
    pr.sourceCommit = mutation.commit;
    pr.updatedOn = nowIso;
    // "Reset approvals when the source branch is modified" is a branch restriction on the destination
    // (kind reset_pullrequest_approvals_on_change, OpenAPI `branchrestriction`): with it, a push clears them.
    if (
      repo.branchRestrictions.some((r) => r.kind === 'reset_pullrequest_approvals_on_change' && globCovers(r.pattern, pr.destinationBranch))
    )
      for (const participant of pr.participants) {
        participant.approved = false;
        if (participant.state === 'approved') participant.state = null;
      }
    await this.emit(this.pullRequestEvent({ ws, repo, pr }, 'avi:bitbucket:updated:pullrequest', pr.authorId));
    return { ok: true };
  }

  private async closePullRequest(
    ws: WorkspaceSeed,
    mutation: Extract<Mutation, { type: 'merge-pull-request' | 'decline-pull-request' }>,
    nowIso: string,
  ): Promise<{ ok: true; pullRequestId?: number }> {
    const repo = this.repository(ws, mutation.repository);
    const pr = this.findPullRequest(repo, mutation.pullRequestId);
    if (pr.state !== 'OPEN') throw new HttpError(400, `Pull request ${pr.id} is ${pr.state}`);
    pr.state = mutation.type === 'merge-pull-request' ? 'MERGED' : 'DECLINED';
    pr.updatedOn = nowIso;
    pr.closedById = mutation.accountId;
    if (mutation.type === 'merge-pull-request') {
      pr.mergedOn = nowIso;
      pr.mergeCommit = mutation.mergeCommit ?? `${pr.sourceCommit.slice(0, 20)}${pr.id.toString(16).padStart(20, '0')}`;
    }
    await this.emit(
      this.pullRequestEvent(
        { ws, repo, pr },
        mutation.type === 'merge-pull-request' ? 'avi:bitbucket:fulfilled:pullrequest' : 'avi:bitbucket:rejected:pullrequest',
        mutation.accountId,
      ),
    );
    return { ok: true };
  }

  private async setBranchRestrictions(
    ws: WorkspaceSeed,
    mutation: Extract<Mutation, { type: 'set-branch-restrictions' }>,
    _nowIso: string,
  ): Promise<{ ok: true; pullRequestId?: number }> {
    // No Forge event exists for restriction changes (docs/platform-facts.md §2): only a re-scan sees them.
    const repo = this.repository(ws, mutation.repository);
    repo.branchRestrictions = mutation.restrictions.map((r) => BranchRestrictionSchema.parse(r));
    return { ok: true };
  }

  private async deleteRepository(
    ws: WorkspaceSeed,
    mutation: Extract<Mutation, { type: 'delete-repository' }>,
    _nowIso: string,
  ): Promise<{ ok: true; pullRequestId?: number }> {
    const repo = this.repository(ws, mutation.repository);
    ws.repositories = ws.repositories.filter((candidate) => candidate !== repo);
    await this.emit(this.eventBase(ws, repo, 'avi:bitbucket:deleted:repository', mutation.accountId ?? null));
    return { ok: true };
  }

  /**
   * A comment, at any state (a merged pull request can still be discussed): it moves `updated_on` and is an
   * entry of the activity log, which is why `updated_on` is not a merged pull request's merge time.
   */
  private async commentOnPullRequest(
    ws: WorkspaceSeed,
    mutation: Extract<Mutation, { type: 'comment-on-pull-request' }>,
    nowIso: string,
  ): Promise<{ ok: true; pullRequestId?: number }> {
    const repo = this.repository(ws, mutation.repository);
    const pr = this.findPullRequest(repo, mutation.pullRequestId);
    pr.comments.push({ id: pr.comments.length + 1, authorId: mutation.accountId, text: mutation.text, at: nowIso });
    pr.updatedOn = nowIso;
    return { ok: true, pullRequestId: pr.id };
  }

  /**
   * The activity log, newest first as Bitbucket serves it: approvals (dated by the approval), an `update` for
   * the opening and for every later push (with the source commit as a 12-character hash, as in the OpenAPI
   * examples) and for the merge.
   */
  activity(pr: PullRequestSeed, users: ReturnType<BitbucketEmulator['users']>, base: string): Record<string, unknown>[] {
    const prRef = { type: 'pullrequest', id: pr.id, title: pr.title, links: {} };
    const firstHead = pr.pushes.length > 0 ? (pr.pushes[0]?.previous ?? pr.sourceCommit) : pr.sourceCommit;
    const update = (state: string, at: string, commit: string, authorId: string) => ({
      at,
      entry: {
        update: {
          state,
          date: render.bbTime(at),
          author: render.account(users, authorId, base),
          title: pr.title,
          source: { branch: { name: pr.sourceBranch }, commit: { type: 'commit', hash: commit.slice(0, 12) } },
          destination: { branch: pr.destinationBranch === null ? null : { name: pr.destinationBranch } },
        },
        pull_request: prRef,
      },
    });
    const comments = pr.comments.map((comment) => ({
      at: comment.at,
      entry: {
        comment: {
          type: 'pullrequest_comment',
          id: comment.id,
          created_on: render.bbTime(comment.at),
          updated_on: render.bbTime(comment.at),
          content: { raw: comment.text, markup: 'markdown', html: '', type: 'rendered' },
          user: render.account(users, comment.authorId, base),
          deleted: false,
          pullrequest: prRef,
        },
        pull_request: prRef,
      },
    }));
    const entries = [
      ...comments,
      update('OPEN', pr.createdOn, firstHead, pr.authorId),
      ...pr.pushes.map((push) => update('OPEN', push.at, push.commit, pr.authorId)),
      ...(pr.mergedOn ? [update('MERGED', pr.mergedOn, pr.sourceCommit, pr.closedById ?? pr.authorId)] : []),
      ...pr.participants
        .filter((participant) => participant.approved)
        .map((p) => ({
          at: p.participatedOn ?? pr.updatedOn,
          entry: {
            approval: {
              date: render.bbTime(p.participatedOn ?? pr.updatedOn),
              user: render.account(users, p.accountId, base),
              pullrequest: prRef,
            },
            pull_request: prRef,
          },
        })),
    ];
    return entries.sort((a, b) => Date.parse(b.at) - Date.parse(a.at)).map((item) => item.entry);
  }

  private findPullRequest(repo: RepositorySeed, id: number): PullRequestSeed {
    const pr = repo.pullRequests.find((candidate) => candidate.id === id);
    if (!pr) throw new HttpError(404, `Pull request ${id} not found`);
    return pr;
  }
}

export const Mutation = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('open-pull-request'),
    workspace: z.string(),
    repository: z.string(),
    title: z.string(),
    authorId: z.string(),
    sourceBranch: z.string(),
    destinationBranch: z.string().optional(),
    sourceCommit: z.string(),
    reviewers: z.array(z.string()).optional(),
    /** Lines the pull request adds and removes (…/diffstat); a small change by default. */
    linesAdded: z.number().int().nonnegative().optional(),
    linesRemoved: z.number().int().nonnegative().optional(),
  }),
  z.object({
    type: z.literal('review'),
    workspace: z.string(),
    repository: z.string(),
    pullRequestId: z.number().int(),
    accountId: z.string(),
    decision: z.enum(['approve', 'request-changes', 'reset']),
  }),
  z.object({
    type: z.literal('build-status'),
    workspace: z.string(),
    repository: z.string(),
    commit: z.string(),
    key: z.string(),
    state: z.enum(['SUCCESSFUL', 'FAILED', 'INPROGRESS', 'STOPPED']),
    refname: z.string().optional(),
  }),
  z.object({
    type: z.literal('push-to-pull-request'),
    workspace: z.string(),
    repository: z.string(),
    pullRequestId: z.number().int(),
    commit: z.string().regex(/^[0-9a-f]{40}$/),
  }),
  z.object({
    type: z.literal('merge-pull-request'),
    workspace: z.string(),
    repository: z.string(),
    pullRequestId: z.number().int(),
    accountId: z.string(),
    mergeCommit: z.string().optional(),
  }),
  z.object({
    type: z.literal('decline-pull-request'),
    workspace: z.string(),
    repository: z.string(),
    pullRequestId: z.number().int(),
    accountId: z.string(),
  }),
  z.object({
    type: z.literal('set-branch-restrictions'),
    workspace: z.string(),
    repository: z.string(),
    restrictions: z.array(z.record(z.string(), z.unknown())),
  }),
  z.object({ type: z.literal('delete-repository'), workspace: z.string(), repository: z.string(), accountId: z.string().optional() }),
  z.object({
    type: z.literal('comment-on-pull-request'),
    workspace: z.string(),
    repository: z.string(),
    pullRequestId: z.number().int(),
    accountId: z.string(),
    text: z.string(),
  }),
]);
export type Mutation = z.infer<typeof Mutation>;

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'the admin request body is not JSON');
  }
}

/** A product request's JSON body; one that is not JSON is a 400, as Bitbucket answers it. */
async function readRequestBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON.');
  }
}

/** The value with `key` removed from every object in it. */
function withoutKey(value: unknown, key: string): unknown {
  if (Array.isArray(value)) return value.map((item) => withoutKey(item, key));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([name]) => name !== key)
      .map(([name, child]) => [name, withoutKey(child, key)]),
  );
}

/** A branch-restriction glob (`*` any run of characters) against a branch name; no branch, no match. */
function globCovers(pattern: string | null | undefined, branch: string | null): boolean {
  if (!pattern || branch === null) return false;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(branch);
}

/** A fault that answers instead of the route: an injected status, or a body that is not JSON. Null otherwise. */
function injectedAnswer(
  fault: z.infer<typeof FaultRule>,
  rateHeaders: Record<string, string>,
): { status: number; body: string; contentType: string; headers: Record<string, string> } | null {
  if (fault.kind === 'malformed')
    return { status: 200, body: '{"values": [ {"uuid": ', contentType: 'application/json', headers: rateHeaders };
  if (fault.kind !== 'status') return null; // latency, truncated-body, dangling-next and omit-field shape the real answer
  const limited = fault.status === 429;
  return {
    status: fault.status,
    body: limited ? 'Rate limit for this resource has been exceeded' : JSON.stringify(render.errorBody(`Injected ${fault.status}`)),
    contentType: limited ? 'text/plain' : 'application/json',
    headers: { ...rateHeaders, ...(fault.retryAfterSeconds ? { 'retry-after': String(fault.retryAfterSeconds) } : {}) },
  };
}

/** The log line of one request, filled in as it is answered. */
function logEntry(req: http.IncomingMessage, url: URL, at: number): LogEntry {
  return {
    method: req.method ?? 'GET',
    path: decodeURIComponent(url.pathname),
    query: url.search.replace(/^\?/, ''),
    status: 0,
    durationMs: 0,
    credential: null,
    at,
  };
}
