/**
 * `attest evidence --workspace W --since D --until D`: the ledger for an audit period (CSV by default,
 * JSON on request). Against a workspace the local state has never installed, the install scan runs
 * first, which backfills the ledger through the API for the period (up to 365 days).
 */
import { parseArgs } from 'node:util';
import { Policy } from '../../src/policy/policy';
import { evidenceCsv, evidenceJson } from '../../src/report/evidence';
import { createStore } from '../../src/store/store';
import { cliErrorFor, installAndScan, openApp } from './app-session';
import { terminalSafe } from '../../src/report/formats';
import { CliError } from './errors';
import { credentialsFromEnvironment, loadPolicy, writeAtomically } from './scan-command';

/**
 * An ISO date (YYYY-MM-DD), taken as the start of that day in UTC. Nothing else: `07/01/2026` is ambiguous,
 * and an impossible date (2026-02-30) is refused rather than rolled over into March.
 */
function day(value: string | undefined, name: string): Date {
  if (!value) throw new CliError(2, `--${name} is required (an ISO date, e.g. 2026-07-01)`);
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  if (!match || !date || date.getUTCMonth() !== Number(match[2]) - 1 || date.getUTCDate() !== Number(match[3]))
    throw new CliError(2, `--${name} is not an ISO date (YYYY-MM-DD) that exists: ${JSON.stringify(value)}`);
  return date;
}

export async function runEvidenceCommand(
  argv: readonly string[],
  io: { stdout: NodeJS.WritableStream; env: NodeJS.ProcessEnv } = { stdout: process.stdout, env: process.env },
): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      workspace: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      'base-url': { type: 'string', default: 'https://api.bitbucket.org' },
      config: { type: 'string' },
      format: { type: 'string', default: 'csv' },
      out: { type: 'string' },
      'state-dir': { type: 'string', default: '.attest' },
    },
    strict: true,
  });
  if (!values.workspace) throw new CliError(2, '--workspace is required (a slug or a {uuid})');
  const since = day(values.since, 'since');
  const until = day(values.until, 'until');
  if (until <= since)
    throw new CliError(2, '--until must be after --since (--until is exclusive: the period ends at the start of that day, UTC)');
  if (values.format !== 'csv' && values.format !== 'json')
    throw new CliError(2, `--format must be csv or json, not ${JSON.stringify(values.format)}`);
  const authorization = credentialsFromEnvironment(io.env);
  if (!authorization) throw new CliError(2, 'no credentials: set BITBUCKET_TOKEN, or BITBUCKET_EMAIL and BITBUCKET_API_TOKEN');
  const policy = loadPolicy(values.config);
  const session = await openApp({ baseUrl: values['base-url'], authorization, stateDir: values['state-dir'], workspace: values.workspace });
  try {
    const installed = await session.runtime.withInstallation(
      session.workspace.uuid,
      async () => (await createStore().getScan()).installedAt !== null,
    );
    if (!installed) {
      const days = Math.min(365, Math.max(policy.reviewWindowDays, Math.ceil((session.clock.now() - since.getTime()) / 86_400_000)));
      await installAndScan(session, { policy: Policy.parse({ ...policy, reviewWindowDays: days }), hourlyBudget: 1_000_000 });
    }
  } catch (error) {
    throw cliErrorFor(error, values.workspace, values['base-url']);
  }
  const records = await session.runtime.withInstallation(session.workspace.uuid, () => createStore().listEvidenceBetween(since, until));
  const output =
    values.format === 'json' ? evidenceJson(records, { since: since.toISOString(), until: until.toISOString() }) : evidenceCsv(records);
  if (values.out) writeAtomically(values.out, output);
  // On a terminal, titles cannot move the cursor or open links (ESC/OSC-8): control characters are blanked.
  // A file or a pipe gets the data as it is, so nothing an auditor receives is altered.
  else io.stdout.write((io.stdout as { isTTY?: boolean }).isTTY ? output.split('\n').map(terminalSafe).join('\n') : output);
  return 0;
}
