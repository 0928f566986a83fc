/** `attest emulator --port P --seed demo|FILE`: the Bitbucket Cloud emulator alone. */
import { z } from 'zod';
import { parseCommand, type Definition } from './program';
import { SimClock } from '../runtime/clock';
import { BitbucketEmulator } from '../emulator/server';
import { DEMO_NOW, loadSeed } from '../emulator/seeds';
import { untilInterrupted } from './interrupted';

export const EMULATOR: Definition = {
  name: 'emulator',
  summary: 'run the Bitbucket Cloud emulator alone',
  define: (command) =>
    command
      .option('--port <port>', 'the port to listen on (0: any free one)', '0')
      .option('--seed <seed>', 'demo, generated:N (N repositories), or a seed file', 'demo'),
};

export async function runEmulatorCommand(argv: readonly string[], signal?: AbortSignal): Promise<number> {
  const values = parseCommand(EMULATOR, argv, z.object({ port: z.string(), seed: z.string() }));
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`attest: --port must be a port number, not ${JSON.stringify(values.port)}`);
    return 2;
  }
  let seed;
  try {
    seed = loadSeed(values.seed);
  } catch (error) {
    console.error(`attest: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const emulator = new BitbucketEmulator(seed, new SimClock(seed.now ? Date.parse(seed.now) : DEMO_NOW));
  const url = await emulator.listen(port);
  // Written to stdout directly: console.info carries the app's log lines, which the CLI sends to stderr.
  process.stdout.write(`Bitbucket emulator listening on ${url}\n`);
  for (const ws of emulator.seed.workspaces) process.stdout.write(`workspace ${ws.slug} ${ws.uuid}\n`);
  await untilInterrupted(signal);
  await emulator.close();
  return 0;
}
