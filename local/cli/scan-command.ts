/**
 * `attest scan --workspace W`: a full scan against a Bitbucket Cloud API (the real one, or any server at
 * `--base-url`), run on the local Forge runtime with the app's own client and engine. Credentials come from
 * the environment only. Output: docs/interfaces.md's JSON/CSV/SARIF contract or a table.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Option } from 'commander';
import { z } from 'zod';
import { CATALOGUE, controlById } from '../../src/controls';
import type { Severity } from '../../src/controls/types';
import type { ScanReport } from '../../src/engine/scan';
import { isExcepted } from '../../src/engine/summarize';
import { Policy } from '../../src/policy/policy';
import { render, terminalSafe, type Format } from '../../src/report/formats';
import { reportFromStore } from '../../src/report/from-store';
import { createStore } from '../../src/store/store';
import { cliErrorFor, installAndScan, openApp, type AppSession, type ScanOutcome } from './app-session';
import { CliError } from './errors';
import { checkReach } from '../../src/services/reach';
import { parseCommand, type Definition } from './program';

export { CliError };
const SEVERITY_RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

export function credentialsFromEnvironment(env: NodeJS.ProcessEnv): string | null {
  if (env.BITBUCKET_TOKEN) return `Bearer ${env.BITBUCKET_TOKEN}`;
  if (env.BITBUCKET_EMAIL || env.BITBUCKET_API_TOKEN) {
    if (!env.BITBUCKET_EMAIL || !env.BITBUCKET_API_TOKEN)
      throw new CliError(2, 'BITBUCKET_EMAIL and BITBUCKET_API_TOKEN go together: set both, or BITBUCKET_TOKEN');
    return `Basic ${Buffer.from(`${env.BITBUCKET_EMAIL}:${env.BITBUCKET_API_TOKEN}`).toString('base64')}`;
  }
  return null;
}

export function loadPolicy(file: string | undefined): Policy {
  if (!file) return Policy.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(2, `cannot read --config ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = Policy.strict().safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(2, `--config ${file}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  // A control id the catalogue does not know would silently disable or except nothing: refuse it.
  const named: Array<[string, string]> = [
    ...parsed.data.disabledControls.map((id, i): [string, string] => [`disabledControls.${i}`, id]),
    ...parsed.data.exceptions.map((exception, i): [string, string] => [`exceptions.${i}.control`, exception.control]),
  ];
  const unknown = named.find(([, id]) => controlById(id) === undefined);
  if (unknown)
    throw new CliError(
      2,
      `--config ${file}: ${unknown[0]}: unknown control id ${JSON.stringify(unknown[1])}; known: ${CATALOGUE.map((control) => control.id).join(', ')}`,
    );
  return parsed.data;
}

/** `90s`, `10m`, `1h` or a number of seconds, to milliseconds; anything else is refused by name. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text.trim());
  if (!match) throw new CliError(2, `${option} must be a duration such as 90s, 10m or 1h, not ${JSON.stringify(text)}`);
  return Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 's' | 'm' | 'h'];
}

/** What a person reads while the scan waits for a retry. */
export function waitMessage(until: Date, rateLimited: boolean): string {
  return `${rateLimited ? 'rate-limited by Bitbucket' : 'Bitbucket could not be read for now'}; resuming at ${clockTime(until)}`;
}

/** A local wall-clock time, HH:MM, for messages on a terminal. */
export function clockTime(at: Date): string {
  return `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
}

/** Writes all or nothing: a temporary file beside the target, then a rename. */
export function writeAtomically(file: string, content: string): void {
  const temporary = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(temporary, content);
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw new CliError(2, `cannot write --out ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** One result that trips `--fail-on` or `--fail-on-not-evaluable`, as printed on stderr. */
export interface Tripped {
  subject: string;
  control: string;
  outcome: string;
  message: string;
}

/**
 * The results that trip the thresholds: fails at or above `threshold` (not excepted), and with
 * `notEvaluable` every result that could not be read, so CI can treat unreadable as failing.
 */
export function trippedBy(report: ScanReport, threshold: Severity | undefined, notEvaluable: boolean): Tripped[] {
  const subjects = [
    ...report.workspaceResults.map((result) => ({ subject: '(workspace)', result })),
    ...report.repositories.flatMap((repository) => repository.results.map((result) => ({ subject: repository.slug, result }))),
  ];
  return subjects
    .filter(({ result }) => {
      if (notEvaluable && result.outcome === 'not-evaluable') return true;
      if (threshold === undefined || result.outcome !== 'fail' || isExcepted(result)) return false;
      const control = controlById(result.control);
      return control !== undefined && SEVERITY_RANK[control.severity] >= SEVERITY_RANK[threshold];
    })
    .map(({ subject, result }) => ({ subject, control: result.control, outcome: result.outcome, message: result.message }));
}

export function failOnMet(report: ScanReport, threshold: Severity): boolean {
  return trippedBy(report, threshold, false).length > 0;
}

type Io = {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
};

export const SCAN: Definition = {
  name: 'scan',
  summary: 'scan a workspace: every control, every repository, as a report',
  define: (command) =>
    command
      .description(
        'Scans a Bitbucket Cloud workspace with the app’s own engine on the local Forge runtime. Every repository is ' +
          'evaluated afresh unless --incremental reuses unchanged ones’ results. Credentials come from the environment: ' +
          'BITBUCKET_TOKEN, or BITBUCKET_EMAIL with BITBUCKET_API_TOKEN.',
      )
      .option('--workspace <slug-or-uuid>', 'the workspace to scan')
      .option('--base-url <url>', 'the Bitbucket Cloud API', 'https://api.bitbucket.org')
      .option('--config <file>', 'a policy file (docs/examples/policy.json)')
      .addOption(new Option('--format <format>', 'the report’s format (default: table on a terminal, else json)').choices(FORMATS))
      .option('--out <file>', 'write the report to a file instead of standard output')
      .addOption(new Option('--fail-on <severity>', 'exit 1 when a control of this severity or worse fails').choices(SEVERITIES))
      .option('--fail-on-not-evaluable', 'exit 1 when a result could not be evaluated', false)
      .option('--state-dir <dir>', 'where the app’s storage is kept between runs', '.attest')
      .option('--max-requests <n>', 'stop sending requests to Bitbucket after this many')
      .option('--max-wait <duration>', 'how long to wait out rate limits (30s, 10m, 1h); then exit 3 with a partial report', '30m')
      .option('--incremental', 'reuse the stored results of repositories unchanged since they were evaluated', false),
};

const FORMATS = ['table', 'json', 'csv', 'sarif'] as const;
const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

const ScanFlags = z.object({
  workspace: z.string({ error: 'is required (a slug or a {uuid})' }).min(1),
  baseUrl: z.string(),
  config: z.string().optional(),
  format: z.enum(FORMATS).optional(),
  out: z.string().optional(),
  failOn: z.enum(SEVERITIES).optional(),
  failOnNotEvaluable: z.boolean(),
  stateDir: z.string(),
  maxRequests: z.string().optional(),
  maxWait: z.string(),
  incremental: z.boolean(),
});

/** The command line, checked: every option that is wrong is refused by name (exit 2). */
function scanOptions(argv: readonly string[], io: Io) {
  const flags = parseCommand(SCAN, argv, ScanFlags, io);
  const stdoutIsTty = Boolean(io.stdout.isTTY);
  const env = io.env;
  const values = {
    workspace: flags.workspace,
    'base-url': flags.baseUrl,
    config: flags.config,
    format: flags.format,
    out: flags.out,
    'fail-on': flags.failOn,
    'fail-on-not-evaluable': flags.failOnNotEvaluable,
    'state-dir': flags.stateDir,
    'max-requests': flags.maxRequests,
    'max-wait': flags.maxWait,
    incremental: flags.incremental,
  };
  if (!values.workspace) throw new CliError(2, '--workspace is required (a slug or a {uuid})');
  const format: Format = values.format ?? (stdoutIsTty && !values.out ? 'table' : 'json');
  const failOn: Severity | undefined = values['fail-on'];
  let baseUrl: URL;
  try {
    baseUrl = new URL(values['base-url']);
  } catch {
    throw new CliError(2, `--base-url is not a URL: ${JSON.stringify(values['base-url'])}`);
  }
  const maxRequests = values['max-requests'] === undefined ? null : Number(values['max-requests']);
  if (maxRequests !== null && (!Number.isInteger(maxRequests) || maxRequests < 1))
    throw new CliError(2, '--max-requests must be a positive whole number');
  const maxWaitMs = parseDuration(values['max-wait'], '--max-wait');
  const policy = loadPolicy(values.config);
  const authorization = credentialsFromEnvironment(env);
  if (!authorization) throw new CliError(2, 'no credentials: set BITBUCKET_TOKEN, or BITBUCKET_EMAIL and BITBUCKET_API_TOKEN');
  return { values, workspace: values.workspace, format, failOn, baseUrl, maxRequests, maxWaitMs, policy, authorization };
}
type ScanOptions = ReturnType<typeof scanOptions>;

/** Progress on a terminal (one rewritten line), and sentences on stderr that never land inside it. */
function terminal(stderr: Io['stderr']) {
  let progressShown = false;
  const progress = stderr.isTTY
    ? (done: number, total: number) => {
        progressShown = true;
        stderr.write(`\rScanning: ${done}/${total} jobs`);
      }
    : undefined;
  const say = (line: string) => {
    stderr.write(`${progressShown ? '\n' : ''}attest: ${line}\n`);
    progressShown = false;
  };
  const done = () => {
    if (progressShown) stderr.write('\n');
    progressShown = false;
  };
  return { progress, say, done };
}

/** Reach, then the install scan, then the report from what was stored. */
async function scan(session: AppSession, options: ScanOptions, term: ReturnType<typeof terminal>): Promise<ScanDone> {
  const { policy, values } = options;
  const reach = await checkReach({ workspaceUuid: session.workspace.uuid, policy, now: new Date(session.clock.now()) });
  for (const line of reach.lines) term.say(line);
  // The same path as in Bitbucket: install → plan → queue → consumers, then the stored results.
  const outcome = await installAndScan(session, {
    refused: reach.refused,
    policy,
    // The app's hourly budget is for an installation sharing Bitbucket's limit over time; a CLI scan reads
    // everything now, and --max-requests is enforced below the app, on the transport (every request counted).
    hourlyBudget: 1_000_000,
    incremental: values.incremental,
    maxWaitMs: options.maxWaitMs,
    ...(term.progress ? { onProgress: term.progress } : {}),
    onWait: (until, rateLimited) => term.say(waitMessage(until, rateLimited)),
  });
  const why = outcome.stopped
    ? `--max-wait ${values['max-wait']} ran out while Bitbucket ${outcome.stopped.rateLimited ? 'rate-limited the scan' : 'could not be read'}, before`
    : undefined;
  const report = await session.runtime.withInstallation(session.workspace.uuid, () =>
    reportFromStore(createStore(), {
      workspace: session.workspace,
      policy,
      generatedAt: new Date(session.clock.now()),
      version: '0.1.0',
      requests: session.runtime.productRequests,
      // Fresh by default: a result from before this run is not reported as now. `--incremental` reuses them,
      // each with its evaluatedAt.
      since: values.incremental ? null : outcome.startedAt,
      ...(why ? { notEvaluatedWhy: why } : {}),
    }),
  );
  const scanState = await session.runtime.withInstallation(session.workspace.uuid, () => createStore().getScan());
  return { report, outcome, listing: { truncated: scanState.truncated, error: scanState.listingError } };
}

interface ScanDone {
  report: ScanReport;
  outcome: ScanOutcome;
  /** Whether the workspace's repositories were listed whole: when not, the report cannot be the workspace's. */
  listing: { truncated: boolean; error: string | null };
}

/** Exit 3 when the repository list could not be read whole: an empty or partial report is not a clean scan. */
function listingFailure(listing: ScanDone['listing'], report: ScanReport, stderr: Io['stderr']): number | null {
  if (listing.error === null && !listing.truncated) return null;
  const why = listing.error ?? `the list was cut short after ${report.repositories.length} repositories`;
  stderr.write(`attest: the workspace's repositories could not be listed whole (${terminalSafe(why)}): the report is incomplete.\n`);
  return 3;
}

/** What stderr says after the report, and the exit code: 3 when --max-wait stopped the scan, 1 when a threshold tripped. */
function conclude(done: ScanDone, options: ScanOptions, stderr: Io['stderr']): number {
  const { report, outcome } = done;
  const { values } = options;
  if (outcome.stopped) {
    const unread = report.unevaluated;
    stderr.write(
      `attest: stopped after waiting ${Math.round(outcome.stopped.waitedMs / 1000)} s (--max-wait ${values['max-wait']}); Bitbucket would next be asked at ${clockTime(outcome.stopped.resumeAt)}.\n` +
        `attest: not read, reported as not-evaluable: ${unread.length === 0 ? 'nothing' : unread.map(terminalSafe).join(', ')}\n`,
    );
    return 3;
  }
  if (values.incremental) {
    const reused = report.repositories.filter(
      (repository) => repository.evaluatedAt !== null && Date.parse(repository.evaluatedAt) < outcome.startedAt.getTime(),
    );
    if (reused.length > 0)
      stderr.write(
        `attest: --incremental: ${reused.length} of ${report.repositories.length} repositories reuse results evaluated before this run (each result carries its evaluatedAt)\n`,
      );
  }
  const listed = listingFailure(done.listing, report, stderr);
  if (listed !== null) return listed;
  const tripped = trippedBy(report, options.failOn, values['fail-on-not-evaluable']);
  if (tripped.length === 0) return 0;
  // Which results tripped the threshold, on stderr, so a CI log says why the step failed.
  const shown = tripped
    .slice(0, 50)
    .map((item) => `  ${terminalSafe(item.subject)} ${item.control} ${item.outcome}: ${terminalSafe(item.message)}`);
  const more = tripped.length > shown.length ? [`  … and ${tripped.length - shown.length} more`] : [];
  stderr.write([`attest: ${tripped.length} result${tripped.length === 1 ? '' : 's'} met the threshold:`, ...shown, ...more, ''].join('\n'));
  return 1;
}

export async function runScanCommand(
  argv: readonly string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const options = scanOptions(argv, io);
  const { values, format } = options;
  const session = await openApp({
    baseUrl: options.baseUrl.toString(),
    authorization: options.authorization,
    stateDir: values['state-dir'],
    workspace: options.workspace,
    maxRequests: options.maxRequests,
  });
  const term = terminal(io.stderr);
  let done: ScanDone;
  try {
    done = await scan(session, options, term);
  } catch (error) {
    throw cliErrorFor(error, options.workspace, options.baseUrl.toString());
  } finally {
    term.done();
  }
  // Colour on a terminal only, and never when NO_COLOR is set (https://no-color.org).
  const colour = format === 'table' && Boolean(io.stdout.isTTY) && !values.out && !io.env.NO_COLOR;
  const output = render(done.report, format, colour);
  if (values.out) writeAtomically(values.out, output);
  else io.stdout.write(output);
  return conclude(done, options, io.stderr);
}
