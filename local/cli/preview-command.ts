/**
 * `attest preview [--port P] [--seed demo|FILE]`: the UI modules in a browser, live over the demo workspace
 * (local/preview/server.ts). Runs until interrupted.
 */
import { parseArgs } from 'node:util';
import { startPreview } from '../preview/server';
import { CliError } from './errors';
import { untilInterrupted } from './interrupted';

export async function runPreviewCommand(
  argv: readonly string[],
  signal?: AbortSignal,
  out: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string', default: '4180' },
      seed: { type: 'string', default: 'demo' },
      host: { type: 'string', default: '127.0.0.1' },
    },
    strict: true,
  });
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
