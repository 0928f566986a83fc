/**
 * The `attest` command (../shared/design/interfaces.md). Exit codes: 0 done, 1 `--fail-on` threshold met,
 * 2 usage or configuration error, 3 the API could not be reached or refused the credentials.
 */
import { parseArgs } from 'node:util';
import { runEmulatorCommand } from './emulator-command';
import { CliError } from './errors';
import { runScanCommand } from './scan-command';

export const USAGE = `Usage: attest <command> [options]

Commands:
  scan       scan a workspace: --workspace W [--base-url URL] [--config FILE] [--format table|json|csv|sarif]
             [--out FILE] [--fail-on critical|high|medium|low] [--max-requests N]
             credentials from BITBUCKET_TOKEN, or BITBUCKET_EMAIL with BITBUCKET_API_TOKEN
  emulator   run the Bitbucket Cloud emulator alone (--port P, --seed demo|generated:N|FILE)

Arriving with later work (see the README): demo, evidence, render, preview.`;

export class UsageError extends Error {}

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'emulator':
        return await runEmulatorCommand(rest);
      case 'scan':
        return await runScanCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.info(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof CliError) {
      console.error(`attest: ${error.message}`);
      return error.code;
    }
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      console.error(`attest: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}

export { parseArgs };
