/**
 * `attest preview`'s server: the demo app (emulator, local runtime, install scan) behind a web page that
 * shows any UI module as Bitbucket would, live — `invoke` runs the real resolvers as the chosen person,
 * and whatever they enqueue (a "Scan now", a re-check) is run before the answer returns, so the next read
 * sees it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { moduleExtension, startDemoApp, UI_MODULES, type DemoApp } from '../ui/demo-app';
import { CliError } from '../cli/errors';
import { bundlePreviewClient, type Asset } from './bundle';
import { describeIssues, InvokeRequest, PREVIEW_MODULES, type InvokeResponse, type PreviewConfig, type PreviewModule } from './protocol';

/** Where Bitbucket places each module (docs/platform-facts.md §1: workspace settings pages, the two sidebars). */
const PLACEMENTS: Record<PreviewModule, PreviewConfig['placement']> = {
  dashboard: { kind: 'page', width: null, where: 'a workspace settings page' },
  settings: { kind: 'page', width: null, where: 'a workspace settings page' },
  // The right-hand sidebars of the Source and pull-request pages are about 320 px wide on a desktop screen.
  'repository-card': { kind: 'sidebar-card', width: 320, where: "the repository Source page's right sidebar" },
  'pull-request-card': { kind: 'sidebar-card', width: 320, where: "the pull request page's right sidebar" },
  forgedoc: { kind: 'page', width: null, where: 'any ForgeDoc, drawn without its handlers' },
};

const MAX_BODY_BYTES = 1_000_000;

export interface Preview {
  url: string;
  app: DemoApp;
  close(): Promise<void>;
}

export interface PreviewOptions {
  port?: number;
  host?: string;
  seed?: string;
}

/** Serialised so that one interaction's queue work finishes before the next read, as a person would see it. */
function serial(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

function escapeJsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string | Uint8Array): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

function sendJson(res: http.ServerResponse, status: number, body: InvokeResponse | Record<string, unknown>): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new CliError(2, `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const PageQuery = z.object({
  module: z.enum(PREVIEW_MODULES).default('dashboard'),
  repository: z.string().max(200).optional(),
  pr: z
    .string()
    .regex(/^\d{1,9}$/, 'a pull request id')
    .transform(Number)
    .optional(),
  as: z.string().max(200).optional(),
});

/** What the preview serves from: the demo app, the bundled client, one-at-a-time access, and who may view. */
interface PreviewWorld {
  app: Awaited<ReturnType<typeof startDemoApp>>;
  assets: Map<string, Asset>;
  one: ReturnType<typeof serial>;
  people: Array<{ accountId: string; name: string }>;
  defaultPerson: string;
}

/** The page's configuration: the module, its Bitbucket context as the chosen person, and the pickers' choices. */
async function pageConfig(world: PreviewWorld, query: z.infer<typeof PageQuery>): Promise<PreviewConfig> {
  const { app, one, people, defaultPerson } = world;
  const ws = app.workspace;
  const card = query.module === 'repository-card' || query.module === 'pull-request-card';
  const repository = card ? (query.repository ?? ws.repositories[0]?.slug ?? null) : null;
  const moduleName = query.module === 'forgedoc' ? null : query.module;
  const extension = moduleName
    ? await one(() => moduleExtension(app, moduleName, { repository: repository ?? undefined, pullRequest: query.pr }))
    : {};
  const pullRequest = (extension.pullRequest as { id?: number } | undefined)?.id ?? null;
  const as = query.as && people.some((person) => person.accountId === query.as) ? query.as : defaultPerson;
  const moduleKey = moduleName ? UI_MODULES[moduleName].key : null;
  return {
    module: query.module,
    moduleKey,
    title: moduleName ? UI_MODULES[moduleName].title : 'ForgeDoc',
    placement: PLACEMENTS[query.module],
    // Forge gives every module the viewer's locale and time zone (`FullContext` in @forge/bridge out/types.d.ts).
    context: {
      accountId: as,
      workspaceId: ws.uuid,
      moduleKey,
      locale: 'en_US',
      timezone: 'UTC',
      extension: { type: moduleKey, ...extension },
    },
    workspace: { slug: ws.slug, uuid: ws.uuid },
    repository,
    pullRequest,
    as,
    people,
    repositories: ws.repositories.map((repo) => ({
      slug: repo.slug,
      pullRequests: repo.pullRequests.map((pr) => ({ id: pr.id, title: pr.title, state: pr.state })),
    })),
  };
}

function pageHtml(world: PreviewWorld, config: PreviewConfig): string {
  const styles = [...world.assets.keys()]
    .filter((name) => name.endsWith('.css'))
    .map((name) => `<link rel="stylesheet" href="/assets/${name}">`);
  return `<!doctype html>
<html lang="en" data-color-mode="light">
<head>
<meta charset="utf-8">
<title>Attest preview — ${config.title}</title>
${styles.join('\n')}
<script id="attest-preview-config" type="application/json">${escapeJsonForScript(config)}</script>
</head>
<body>
<div id="root"></div>
<script type="module" src="/assets/main.js"></script>
</body>
</html>`;
}

/** One resolver call from the page, as the bridge would make it, for the person the page views as. */
async function invokeResolver(world: PreviewWorld, body: string): Promise<{ status: number; response: InvokeResponse }> {
  const { app, one } = world;
  let request: InvokeRequest;
  try {
    request = InvokeRequest.parse(JSON.parse(body));
  } catch (error) {
    const message = error instanceof z.ZodError ? describeIssues(error) : 'the body is not JSON';
    return { status: 400, response: { ok: false, message: `invalid invoke request: ${message}` } };
  }
  return one(async () => {
    const extension = await moduleExtension(app, request.module, {
      repository: request.repository ?? undefined,
      pullRequest: request.pullRequest ?? undefined,
      evaluate: false,
    });
    try {
      const result = await app.runtime.resolve(UI_MODULES[request.module].key, request.functionKey, request.payload, {
        workspaceUuid: app.workspace.uuid,
        accountId: request.as,
        extension,
      });
      // Whatever the resolver enqueued runs now, as the queue would within seconds in Bitbucket.
      await app.runtime.drainQueues();
      return { status: 200, response: { ok: true, result } };
    } catch (error) {
      return { status: 500, response: { ok: false, message: error instanceof Error ? error.message : String(error) } };
    }
  });
}

async function handleRequest(world: PreviewWorld, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://preview.local');
  if (req.method === 'GET' && url.pathname === '/') {
    const query = PageQuery.safeParse(Object.fromEntries(url.searchParams));
    if (!query.success) return send(res, 400, 'text/plain; charset=utf-8', `bad query: ${describeIssues(query.error)}\n`);
    return send(res, 200, 'text/html; charset=utf-8', pageHtml(world, await pageConfig(world, query.data)));
  }
  if (req.method === 'GET' && url.pathname.startsWith('/assets/')) {
    const asset: Asset | undefined = world.assets.get(url.pathname.slice('/assets/'.length));
    return asset ? send(res, 200, asset.contentType, asset.contents) : send(res, 404, 'text/plain; charset=utf-8', 'no such asset\n');
  }
  if (req.method === 'POST' && url.pathname === '/api/invoke') {
    const { status, response } = await invokeResolver(world, await readBody(req));
    return sendJson(res, status, response);
  }
  if (req.method === 'GET' && url.pathname.startsWith('/x1/')) {
    // A web trigger URL (an evidence download), answered by the app's function as Forge would.
    const answer = await world.one(() =>
      world.app.runtime.callWebTrigger(new URL(req.url ?? '/', world.app.runtime.webTriggerOrigin()).toString()),
    );
    res.writeHead(answer.statusCode, answer.headers ?? {});
    res.end(answer.body ?? '');
    return;
  }
  if (req.method === 'GET' && url.pathname === '/favicon.ico') return send(res, 204, 'text/plain', '');
  return send(res, 404, 'text/plain; charset=utf-8', `no ${req.method ?? ''} ${url.pathname}\n`);
}

async function listen(server: http.Server, options: PreviewOptions, host: string): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, resolve);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      2,
      code === 'EADDRINUSE' ? `port ${options.port ?? 0} is in use: choose another with --port` : `could not listen: ${String(error)}`,
    );
  }
}

export async function startPreview(options: PreviewOptions = {}): Promise<Preview> {
  const [app, assets] = await Promise.all([startDemoApp(options.seed ?? 'demo'), bundlePreviewClient()]);
  const people = app.people.map((person) => ({ accountId: person.accountId, name: person.displayName }));
  const defaultPerson = people[0]?.accountId;
  if (!defaultPerson) {
    await app.close();
    throw new CliError(2, 'the seed has no people to view the UI as');
  }
  const world: PreviewWorld = { app, assets, one: serial(), people, defaultPerson };
  const server = http.createServer((req, res) => {
    handleRequest(world, req, res).catch((error: unknown) => {
      const status = error instanceof CliError ? 400 : 500;
      if (!res.headersSent) send(res, status, 'text/plain; charset=utf-8', `${error instanceof Error ? error.message : String(error)}\n`);
      else res.end();
    });
  });
  const host = options.host ?? '127.0.0.1';
  try {
    await listen(server, options, host);
  } catch (error) {
    await app.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  app.runtime.serveWebTriggersAt(`http://${host}:${port}`);
  return {
    url: `http://${host}:${port}/`,
    app,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    },
  };
}
