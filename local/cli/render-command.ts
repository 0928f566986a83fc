/**
 * `attest render MODULE`: prints the ForgeDoc tree of a UI module (dashboard, settings, repository-card,
 * pull-request-card) as JSON, or as an indented outline with `--outline`, so the UI can be reviewed without
 * Bitbucket. It renders the real module through the real reconciler, with `invoke` answered by the local
 * runtime's resolvers over the demo workspace (installed and scanned in memory, as `attest demo` does).
 */
import React from 'react';
import { parseArgs } from 'node:util';
import { installFakeBridge, outline, renderModule } from '../ui/forge-doc';
import { isUiModuleName, moduleExtension, startDemoApp, UI_MODULES } from '../ui/demo-app';
import { CliError } from './errors';

export async function runRenderCommand(
  argv: readonly string[],
  out: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      repository: { type: 'string' },
      'pull-request': { type: 'string' },
      outline: { type: 'boolean', default: false },
      seed: { type: 'string', default: 'demo' },
    },
    strict: true,
  });
  const name = positionals[0];
  if (!isUiModuleName(name)) throw new CliError(2, `render needs a module: ${Object.keys(UI_MODULES).join(', ')}`);
  const module = UI_MODULES[name];
  const app = await startDemoApp(values.seed);
  try {
    const extension = await moduleExtension(app, name, { repository: values.repository, pullRequest: values['pull-request'] });
    const accountId = app.people[0]?.accountId ?? 'render';
    const ws = app.workspace;
    installFakeBridge();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Component = (require(`../../src/frontend/${module.file}/app`) as Record<string, React.ComponentType>)[module.component]!;
    const rendered = await renderModule(React.createElement(Component), {
      invoke: (key, payload) => app.runtime.resolve(module.key, key, payload, { workspaceUuid: ws.uuid, accountId, extension }),
      context: { accountId, workspaceId: ws.uuid, extension: { type: module.key, ...extension } },
    });
    const doc = rendered.doc();
    out(
      values.outline
        ? `${outline(doc)}\n`
        : `${JSON.stringify(doc, (key, value: unknown) => (typeof value === 'function' ? `[function ${key}]` : value), 2)}\n`,
    );
    return 0;
  } finally {
    await app.close();
  }
}
