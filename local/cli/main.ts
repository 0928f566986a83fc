/**
 * The `attest` command (docs/interfaces.md). Exit codes: 0 done, 1 `--fail-on` threshold met,
 * 2 usage or configuration error, 3 the API could not be reached or refused the credentials.
 */
import { EMULATOR, runEmulatorCommand } from './emulator-command';
import { CliError, redactCredentials } from './errors';
import { Answered, answerRoot, program, type Definition } from './program';
import { runScanCommand, SCAN } from './scan-command';
import { DEMO, runDemoCommand } from './demo-command';
import { EVIDENCE, runEvidenceCommand } from './evidence-command';
import { RENDER, runRenderCommand } from './render-command';
import { PREVIEW, runPreviewCommand } from './preview-command';
import { ACCESS_REVIEW, runAccessReviewCommand } from './access-review-command';
import { METRICS, runMetricsCommand } from './metrics-command';

/** Every command, in the order `attest --help` lists them. */
export const COMMANDS: readonly Definition[] = [DEMO, SCAN, EVIDENCE, ACCESS_REVIEW, METRICS, EMULATOR, RENDER, PREVIEW];

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
      case 'access-review':
        return await runAccessReviewCommand(rest);
      case 'metrics':
        return await runMetricsCommand(rest);
      case undefined:
        // No command: the list of them, as a usage error.
        program(COMMANDS, { stdout: process.stderr, stderr: process.stderr }).outputHelp();
        return 2;
      case 'help':
        return answerRoot(COMMANDS, rest.length > 0 ? [...rest, '--help'] : ['--help']);
      default:
        // `--help`, `--version`, and an unknown command with a "did you mean".
        return answerRoot(COMMANDS, [command, ...rest]);
    }
  } catch (error) {
    if (error instanceof Answered) return error.exitCode;
    if (error instanceof CliError) {
      console.error(`attest: ${error.message}`);
      return error.code;
    }
    // Whatever else escapes is printed by Node with its message and stack: neither may carry a password.
    if (error instanceof Error) {
      error.message = redactCredentials(error.message);
      if (error.stack) error.stack = redactCredentials(error.stack);
    }
    throw error;
  }
}
