/**
 * `attest render MODULE`: prints the ForgeDoc tree of a UI module (dashboard, settings, repository-card,
 * pull-request-card) as JSON, or as an indented outline with `--outline`, so the UI can be reviewed without
 * Bitbucket. It renders the real module through the real reconciler, with `invoke` answered by the local
 * runtime's resolvers over the demo workspace (installed and scanned in memory, as `attest demo` does).
 */
import React from 'react';
import { parseArgs } from 'node:util';
import { Policy } from '../../src/policy/policy';
import { createStore } from '../../src/store/store';
import { BitbucketEmulator } from '../emulator/server';
import { Seed } from '../emulator/model';
import { DEMO_NOW, demoPolicy, loadSeed } from '../emulator/seeds';
import { SimClock } from '../runtime/clock';
import { LocalForgeRuntime } from '../runtime/runtime';
import { installFakeBridge, outline, renderModule } from '../ui/forge-doc';
import { ROOT } from './app-session';
import { CliError } from './errors';

const MODULES = {
  dashboard: { key: 'compliance-dashboard', file: 'dashboard', component: 'Dashboard' },
  settings: { key: 'compliance-settings', file: 'settings', component: 'Settings' },
  'repository-card': { key: 'repository-compliance-card', file: 'repository-card', component: 'RepositoryCard' },
  'pull-request-card': { key: 'pull-request-compliance-card', file: 'pull-request-card', component: 'PullRequestCard' },
} as const;

export async function runRenderCommand(argv: readonly string[], out: (text: string) => void = (text) => process.stdout.write(text)): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { repository: { type: 'string' }, 'pull-request': { type: 'string' }, outline: { type: 'boolean', default: false }, seed: { type: 'string', default: 'demo' } },
    strict: true,
  });
  const name = positionals[0] as keyof typeof MODULES | undefined;
  if (!name || !(name in MODULES)) throw new CliError(2, `render needs a module: ${Object.keys(MODULES).join(', ')}`);
  const module = MODULES[name];
  let seed: Seed;
  try {
    seed = loadSeed(values.seed);
  } catch (error) {
    throw new CliError(2, error instanceof Error ? error.message : String(error));
  }
  // Every person of the seed can act in the UI; the renderer acts as the first (a workspace owner in the demo).
  const credentials = [{ token: 'render-app', admin: true }, ...seed.users.map((user) => ({ token: `render-${user.accountId}`, admin: false, accountId: user.accountId }))];
  const clock = new SimClock(seed.now ? Date.parse(seed.now) : DEMO_NOW);
  const emulator = new BitbucketEmulator({ ...seed, credentials }, clock);
  await emulator.listen();
  try {
    const users = Object.fromEntries(seed.users.map((user) => [user.accountId, `Bearer render-${user.accountId}`]));
    const runtime = new LocalForgeRuntime({ root: ROOT, bitbucketBaseUrl: emulator.url, auth: { app: 'Bearer render-app', users }, clock });
    const ws = emulator.seed.workspaces[0]!;
    if (values.seed === 'demo') await runtime.withInstallation(ws.uuid, () => createStore().putPolicy(Policy.parse(demoPolicy(emulator.seed))));
    await runtime.install(ws.uuid);
    await runtime.drainQueues();
    const extension: Record<string, unknown> = {};
    if (name === 'repository-card' || name === 'pull-request-card') {
      const slug = values.repository ?? ws.repositories[0]!.slug;
      const repo = ws.repositories.find((candidate) => candidate.slug === slug);
      if (!repo) throw new CliError(2, `--repository: no repository ${slug} in workspace ${ws.slug}`);
      extension.repository = { uuid: repo.uuid };
      if (name === 'pull-request-card') {
        const id = Number(values['pull-request'] ?? repo.pullRequests.find((pr) => pr.state === 'OPEN')?.id ?? repo.pullRequests[0]?.id);
        if (!Number.isInteger(id) || id <= 0) throw new CliError(2, '--pull-request must be a pull request id');
        extension.pullRequest = { id };
        // The card shows what the pull-request events stored; make sure this one was evaluated.
        await runtime.emit({ eventType: 'avi:bitbucket:updated:pullrequest', repository: { uuid: repo.uuid }, workspace: { uuid: ws.uuid }, pullrequest: { id } });
      }
    }
    const accountId = seed.users[0]?.accountId ?? 'render';
    installFakeBridge();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Component = (require(`../../src/frontend/${module.file}/app`) as Record<string, React.ComponentType>)[module.component]!;
    const rendered = await renderModule(React.createElement(Component), {
      invoke: (key, payload) => runtime.resolve(module.key, key, payload, { workspaceUuid: ws.uuid, accountId, extension }),
      context: { accountId, workspaceId: ws.uuid, extension: { type: module.key, ...extension } },
    });
    const doc = rendered.doc();
    out(values.outline ? `${outline(doc)}\n` : `${JSON.stringify(doc, (key, value: unknown) => (typeof value === 'function' ? `[function ${key}]` : value), 2)}\n`);
    return 0;
  } finally {
    await emulator.close();
  }
}
