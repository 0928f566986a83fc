/**
 * The `attest` command (docs/interfaces.md). Exit codes: 0 done, 1 `--fail-on` threshold met,
 * 2 usage or configuration error, 3 the API could not be reached or refused the credentials.
 */
import { parseArgs } from 'node:util';
import { runEmulatorCommand } from './emulator-command';
import { CliError, redactCredentials } from './errors';
import { runScanCommand } from './scan-command';
import { runDemoCommand } from './demo-command';
import { runEvidenceCommand } from './evidence-command';
import { runRenderCommand } from './render-command';
import { runPreviewCommand } from './preview-command';

export const USAGE = `Usage: attest <command> [options]

Commands:
  demo       the demo on the built-in emulator; writes attest-report/ (--out DIR)
  scan       scan a workspace: --workspace W [--base-url URL] [--config FILE] [--format table|json|csv|sarif]
             [--out FILE] [--fail-on critical|high|medium|low] [--fail-on-not-evaluable] [--max-requests N]
             [--max-wait DURATION (default 30m; then exit 3 with a partial report)] [--incremental]
             every repository is evaluated afresh unless --incremental reuses unchanged ones' results
             credentials from BITBUCKET_TOKEN, or BITBUCKET_EMAIL with BITBUCKET_API_TOKEN
  evidence   the change-management evidence for a period: --workspace W --since DATE --until DATE
             [--format csv|json|summary] [--out FILE] [--base-url URL]
  emulator   run the Bitbucket Cloud emulator alone (--port P, --seed demo|generated:N|FILE)
  render     print a UI module's ForgeDoc tree: dashboard|settings|repository-card|pull-request-card
             [--repository SLUG] [--pull-request ID] [--outline] [--seed demo|FILE]
  preview    the UI modules in a browser, live over the demo workspace: [--port P] [--seed demo|FILE]

Any command: --log-json adds the app's JSON log lines on stderr.`;

export class UsageError extends Error {}

/**
 * The app logs a JSON line per step. People get plain sentences from the commands instead; `--log-json`
 * (any command) asks for the app's log as well, on stderr so it never mixes with a report on stdout.
 */
function setUpLogging(argv: readonly string[]): string[] {
  const wanted = argv.includes('--log-json');
  // An empty ATTEST_LOG_LEVEL counts as unset. Whatever the level, log lines never go to stdout, where the
  // report is written.
  if (!process.env.ATTEST_LOG_LEVEL) process.env.ATTEST_LOG_LEVEL = wanted ? 'info' : 'silent';
  console.info = (...parts: unknown[]) => console.error(...parts);
  console.debug = (...parts: unknown[]) => console.error(...parts);
  return argv.filter((arg) => arg !== '--log-json');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = setUpLogging(argv);
  try {
    switch (command) {
      case 'emulator':
        return await runEmulatorCommand(rest);
      case 'scan':
        return await runScanCommand(rest);
      case 'evidence':
        return await runEvidenceCommand(rest);
      case 'demo':
        return await runDemoCommand(rest);
      case 'preview':
        return await runPreviewCommand(rest);
      case 'render':
        return await runRenderCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
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
      console.error(`attest: ${redactCredentials(error.message)}\n\n${USAGE}`);
      return 2;
    }
    // Whatever else escapes is printed by Node with its message and stack: neither may carry a password.
    if (error instanceof Error) {
      error.message = redactCredentials(error.message);
      if (error.stack) error.stack = redactCredentials(error.stack);
    }
    throw error;
  }
}

export { parseArgs };
