/**
 * `attest preview [--port P] [--seed demo|FILE]`: the UI modules in a browser, live over the demo workspace
 * (local/preview/server.ts). Runs until interrupted.
 */
import { z } from 'zod';
import { parseCommand, type Definition } from './program';
import { startPreview } from '../preview/server';
import { CliError } from './errors';
import { untilInterrupted } from './interrupted';

export const PREVIEW: Definition = {
  name: 'preview',
  summary: 'the UI modules in a browser, live over the demo workspace',
  define: (command) =>
    command
      .option('--port <port>', 'the port to listen on', '4180')
      .option('--seed <seed>', 'demo, or a seed file', 'demo')
      .option('--host <host>', 'the address to listen on', '127.0.0.1'),
};

export async function runPreviewCommand(
  argv: readonly string[],
  signal?: AbortSignal,
  out: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
  const values = parseCommand(PREVIEW, argv, z.object({ port: z.string(), seed: z.string(), host: z.string() }));
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) throw new CliError(2, `--port must be a port number, not ${JSON.stringify(values.port)}`);
  out('Starting the emulator, installing the app and scanning the workspace…\n');
  const preview = await startPreview({ port, seed: values.seed, host: values.host });
  out(`Attest preview: ${preview.url}\n`);
  out(`  dashboard           ${preview.url}?module=dashboard\n`);
  out(`  settings            ${preview.url}?module=settings\n`);
  out(`  repository card     ${preview.url}?module=repository-card\n`);
  out(`  pull-request card   ${preview.url}?module=pull-request-card\n`);
  out('Press Ctrl-C to stop.\n');
  await untilInterrupted(signal);
  await preview.close();
  return 0;
}
