/**
 * `attest scan --workspace W`: a full scan against a Bitbucket Cloud API (the real one, or any server at
 * `--base-url`), run on the local Forge runtime with the app's own client and engine. Credentials come from
 * the environment only. Output: interfaces.md's JSON/CSV/SARIF contract or a table.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CATALOGUE, controlById } from '../../src/controls';
import type { Severity } from '../../src/controls/types';
import type { ScanReport } from '../../src/engine/scan';
import { isExcepted } from '../../src/engine/summarize';
import { Policy } from '../../src/policy/policy';
import { render, terminalSafe, type Format } from '../../src/report/formats';
import { reportFromStore } from '../../src/report/from-store';
import { createStore } from '../../src/store/store';
import { cliErrorFor, installAndScan, openApp } from './app-session';
import { CliError } from './errors';

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

export async function runScanCommand(
  argv: readonly string[],
  io: {
    stdout: NodeJS.WritableStream & { isTTY?: boolean };
    stderr: NodeJS.WritableStream & { isTTY?: boolean };
    env: NodeJS.ProcessEnv;
  } = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      workspace: { type: 'string' },
      'base-url': { type: 'string', default: 'https://api.bitbucket.org' },
      config: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      'fail-on': { type: 'string' },
      'fail-on-not-evaluable': { type: 'boolean', default: false },
      'state-dir': { type: 'string', default: '.attest' },
      'max-requests': { type: 'string' },
    },
    strict: true,
  });
  if (!values.workspace) throw new CliError(2, '--workspace is required (a slug or a {uuid})');
  const format = (values.format ?? (io.stdout.isTTY && !values.out ? 'table' : 'json')) as Format;
  if (!['table', 'json', 'csv', 'sarif'].includes(format))
    throw new CliError(2, `--format must be table, json, csv or sarif, not ${JSON.stringify(values.format)}`);
  const failOn = values['fail-on'] as Severity | undefined;
  if (failOn !== undefined && !(failOn in SEVERITY_RANK))
    throw new CliError(2, `--fail-on must be critical, high, medium or low, not ${JSON.stringify(failOn)}`);
  let baseUrl: URL;
  try {
    baseUrl = new URL(values['base-url']);
  } catch {
    throw new CliError(2, `--base-url is not a URL: ${JSON.stringify(values['base-url'])}`);
  }
  const maxRequests = values['max-requests'] === undefined ? null : Number(values['max-requests']);
  if (maxRequests !== null && (!Number.isInteger(maxRequests) || maxRequests < 1))
    throw new CliError(2, '--max-requests must be a positive whole number');
  const policy = loadPolicy(values.config);
  const authorization = credentialsFromEnvironment(io.env);
  if (!authorization) throw new CliError(2, 'no credentials: set BITBUCKET_TOKEN, or BITBUCKET_EMAIL and BITBUCKET_API_TOKEN');

  const session = await openApp({
    baseUrl: baseUrl.toString(),
    authorization,
    stateDir: values['state-dir'],
    workspace: values.workspace,
    maxRequests,
  });
  const progress = io.stderr.isTTY ? (done: number, total: number) => io.stderr.write(`\rScanning: ${done}/${total} jobs`) : undefined;
  let report: ScanReport;
  try {
    // The same path as in Bitbucket: install → plan → queue → consumers, then the stored results.
    const { startedAt } = await installAndScan(session, policy, maxRequests ?? 1_000_000, progress);
    report = await session.runtime.withInstallation(session.workspace.uuid, async () => {
      return reportFromStore(
        createStore(),
        session.workspace,
        policy,
        new Date(session.clock.now()),
        '0.1.0',
        session.runtime.productRequests,
        startedAt,
      );
    });
  } catch (error) {
    throw cliErrorFor(error, values.workspace, baseUrl.toString());
  } finally {
    if (progress) io.stderr.write('\n');
  }
  const output = render(report, format, format === 'table' && Boolean(io.stdout.isTTY) && !values.out);
  if (values.out) writeAtomically(values.out, output);
  else io.stdout.write(output);
  const tripped = trippedBy(report, failOn, values['fail-on-not-evaluable']);
  if (tripped.length === 0) return 0;
  // Which results tripped the threshold, on stderr, so a CI log says why the step failed.
  const shown = tripped
    .slice(0, 50)
    .map((item) => `  ${terminalSafe(item.subject)} ${item.control} ${item.outcome}: ${terminalSafe(item.message)}`);
  const more = tripped.length > shown.length ? [`  … and ${tripped.length - shown.length} more`] : [];
  io.stderr.write(
    [`attest: ${tripped.length} result${tripped.length === 1 ? '' : 's'} met the threshold:`, ...shown, ...more, ''].join('\n'),
  );
  return 1;
}
