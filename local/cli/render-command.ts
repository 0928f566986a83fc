/**
 * `attest render MODULE`: prints the ForgeDoc tree of a UI module (dashboard, settings, repository-card,
 * pull-request-card) as JSON, or as an indented outline with `--outline`, so the UI can be reviewed without
 * Bitbucket. It renders the real module through the real reconciler, with `invoke` answered by the local
 * runtime's resolvers over the demo workspace (installed and scanned in memory, as `attest demo` does).
 */
import React from 'react';
import { Argument } from 'commander';
import { z } from 'zod';
import { parseCommand, type Definition } from './program';
import { installFakeBridge, outline, renderModule } from '../ui/forge-doc';
import { isUiModuleName, moduleExtension, startDemoApp, UI_MODULES } from '../ui/demo-app';
import { CliError } from './errors';

export const RENDER: Definition = {
  name: 'render',
  summary: 'print a UI module’s ForgeDoc tree, to review the UI without Bitbucket',
  define: (command) =>
    command
      .addArgument(new Argument('<module>', 'the module').choices(Object.keys(UI_MODULES)))
      .option('--repository <slug>', 'the repository a card is shown on')
      .option('--pull-request <id>', 'the pull request the card is shown on')
      .option('--outline', 'an indented outline instead of JSON', false)
      .option('--seed <seed>', 'demo, or a seed file', 'demo'),
};

export async function runRenderCommand(
  argv: readonly string[],
  out: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
  const flags = parseCommand(
    RENDER,
    argv,
    z.object({
      args: z.array(z.string()),
      repository: z.string().optional(),
      pullRequest: z.string().optional(),
      outline: z.boolean(),
      seed: z.string(),
    }),
  );
  const values = { ...flags, 'pull-request': flags.pullRequest };
  const name = flags.args[0];
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
      // The viewer's locale and time zone, as Forge's context carries them (`FullContext` in @forge/bridge out/types.d.ts).
      context: { accountId, workspaceId: ws.uuid, locale: 'en_US', timezone: 'UTC', extension: { type: module.key, ...extension } },
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
