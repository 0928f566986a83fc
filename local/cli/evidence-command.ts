/**
 * `attest evidence --workspace W --since D --until D`: the ledger for an audit period (CSV by default,
 * JSON on request). Against a workspace the local state has never installed, the install scan runs
 * first. Then every repository's ledger is brought up to date for the period (backfilled from --since where
 * it starts later, reconciled where it was last checked before --until), and what could not be covered is
 * named on stderr, with exit 3: an export never looks complete when it is not.
 */
import { Argument, Option } from 'commander';
import { z } from 'zod';
import { Policy } from '../../src/policy/policy';
import { createStore } from '../../src/store/store';
import { cliErrorFor, installAndScan, openApp, type AppSession } from './app-session';
import { appRequest, createBitbucketClient } from '../../src/bitbucket/client';
import { coverPeriod, type PeriodCoverage } from '../../src/services/evidence-coverage';
import { verifyLedger, type LedgerVerdict } from '../../src/services/evidence-verify';
import { drawSample } from '../../src/report/sample';
import { chainOf, evidenceFile, type EvidenceFormat } from '../../src/services/evidence-export';
import { terminalSafe } from '../../src/report/formats';
import { CliError } from './errors';
import { parseCommand, type Definition } from './program';
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

interface EvidenceOptions {
  since: Date;
  until: Date;
  format: EvidenceFormat;
  out: string | undefined;
  /** Draw this many records from the period's population, reproducibly from the seed. */
  sample: { size: number; seed: string } | null;
}

function sampleOf(size: string | undefined, seed: string | undefined): EvidenceOptions['sample'] {
  if (size === undefined && seed === undefined) return null;
  if (size === undefined) throw new CliError(2, '--seed goes with --sample N');
  if (!/^[1-9]\d{0,5}$/.test(size)) throw new CliError(2, `--sample must be a whole number of records, 1 or more: ${JSON.stringify(size)}`);
  if (!seed)
    throw new CliError(2, '--sample needs --seed S: the seed is what makes the sample reproducible (say it in the working papers)');
  return { size: Number(size), seed };
}

export const EVIDENCE: Definition = {
  name: 'evidence',
  summary: 'the change-management evidence for an audit period; `evidence verify` checks the ledger’s hash chains',
  define: (command) =>
    command
      .description(
        'Exports every pull request merged into a main branch in [--since, --until) with its approvals and builds, ' +
          'reading from Bitbucket what the ledger lacks; names what it could not cover (exit 3). With `verify`, recomputes ' +
          'the ledger’s hash chains and names the first record of each that does not match (exit 1).',
      )
      .addArgument(new Argument('[action]', '`verify` to check the hash chains').choices(['verify']))
      .option('--workspace <slug-or-uuid>', 'the workspace')
      .option('--since <date>', 'the period’s first day (YYYY-MM-DD, UTC)')
      .option('--until <date>', 'the day after the period’s last (YYYY-MM-DD, UTC; exclusive)')
      .option('--base-url <url>', 'the Bitbucket Cloud API', 'https://api.bitbucket.org')
      .option('--config <file>', 'a policy file (docs/examples/policy.json)')
      .addOption(
        new Option('--format <format>', 'csv, json, or a one-page HTML summary').choices(['csv', 'json', 'summary']).default('csv'),
      )
      .option('--out <file>', 'write to a file instead of standard output')
      .option('--state-dir <dir>', 'where the app’s storage is kept between runs', '.attest')
      .option('--sample <n>', 'draw this many records from the period, reproducibly')
      .option('--seed <seed>', 'the seed that makes --sample reproducible'),
};

const EvidenceFlags = z.object({
  args: z.array(z.string()),
  workspace: z.string({ error: 'is required (a slug or a {uuid})' }).min(1),
  since: z.string().optional(),
  until: z.string().optional(),
  baseUrl: z.string(),
  config: z.string().optional(),
  format: z.enum(['csv', 'json', 'summary']),
  out: z.string().optional(),
  stateDir: z.string(),
  sample: z.string().optional(),
  seed: z.string().optional(),
});
type EvidenceFlags = z.infer<typeof EvidenceFlags>;

function parseEvidenceArgs(flags: EvidenceFlags) {
  const values = {
    workspace: flags.workspace,
    since: flags.since,
    until: flags.until,
    'base-url': flags.baseUrl,
    config: flags.config,
    format: flags.format,
    out: flags.out,
    'state-dir': flags.stateDir,
    sample: flags.sample,
    seed: flags.seed,
  };
  if (!values.workspace) throw new CliError(2, '--workspace is required (a slug or a {uuid})');
  const since = day(values.since, 'since');
  const until = day(values.until, 'until');
  if (until <= since)
    throw new CliError(2, '--until must be after --since (--until is exclusive: the period ends at the start of that day, UTC)');
  const options: EvidenceOptions = { since, until, format: values.format, out: values.out, sample: sampleOf(values.sample, values.seed) };
  return { values: { ...values, workspace: values.workspace }, options };
}

/** What the ledger could not cover, on stderr: the export is written either way, and the exit code says so. */
function coverageLines(coverage: PeriodCoverage): string[] {
  const lines: string[] = [];
  const of = coverage.repositories === null ? 'an unknown number of' : String(coverage.repositories);
  if (coverage.recorded > 0)
    lines.push(`attest: ${coverage.recorded} merged pull requests read from Bitbucket into the ledger for this period`);
  if (coverage.openUntil) lines.push(`attest: the period has not ended: complete up to ${coverage.openUntil}`);
  if (coverage.gaps.length === 0) return lines;
  lines.push(`attest: the export is INCOMPLETE: ${coverage.covered} of ${of} repositories covered; not covered:`);
  for (const gap of coverage.gaps) lines.push(`  ${gap.repository}: ${gap.reason}`);
  return lines;
}

/** The summary's coverage sentence: the whole period, or which repositories it lacks and why. */
function summaryCoverage(coverage: PeriodCoverage): string {
  const open = coverage.openUntil ? ` The period has not ended: complete up to ${coverage.openUntil}.` : '';
  if (coverage.gaps.length === 0) return `The ledger holds the whole period for all ${coverage.repositories ?? 0} repositories.${open}`;
  const gaps = coverage.gaps.map((gap) => `${gap.repository} (${gap.reason})`).join('; ');
  return `INCOMPLETE: ${coverage.covered} repositories covered; not covered: ${gaps}.${open}`;
}

/**
 * Installs on first use (the install scan backfills the review window), then covers the period asked for, with a
 * progress line on a terminal only (rewritten in place, and cleared before anything else is written).
 */
async function coverLedger(
  session: AppSession,
  policy: Policy,
  options: EvidenceOptions & { stderr: EvidenceIo['stderr'] },
): Promise<PeriodCoverage> {
  const stderr = options.stderr as (NodeJS.WritableStream & { isTTY?: boolean }) | undefined;
  const progress = stderr?.isTTY
    ? (done: number, total: number) => stderr.write(done < total ? `\rReading evidence: ${done}/${total} repositories` : '\r\u001b[K')
    : undefined;
  const installed = await session.runtime.withInstallation(
    session.workspace.uuid,
    async () => (await createStore().getScan()).installedAt !== null,
  );
  if (!installed) {
    const days = Math.min(365, Math.max(policy.reviewWindowDays, Math.ceil((session.clock.now() - options.since.getTime()) / 86_400_000)));
    await installAndScan(session, { policy: Policy.parse({ ...policy, reviewWindowDays: days }), hourlyBudget: 1_000_000 });
  }
  return session.runtime.withInstallation(session.workspace.uuid, () =>
    coverPeriod(
      {
        client: createBitbucketClient({ request: appRequest() }),
        store: createStore(),
        workspaceUuid: session.workspace.uuid,
        now: new Date(session.clock.now()),
      },
      { since: options.since, until: options.until, ...(progress ? { progress } : {}) },
    ),
  );
}

type EvidenceIo = { stdout: NodeJS.WritableStream; stderr?: NodeJS.WritableStream; env: NodeJS.ProcessEnv };

/** One line per repository, and the first record that does not match where a chain is broken. */
function verdictLines(verdict: LedgerVerdict): string[] {
  const lines = verdict.repositories.map((repository) => {
    const head = repository.head ? `head ${repository.head.seq} ${repository.head.hash?.slice(0, 16) ?? ''}` : 'no head';
    const state = repository.problem
      ? `BROKEN at position ${repository.problem.seq ?? '?'}: ${repository.problem.detail} (${repository.problem.kind})`
      : 'intact';
    return `${terminalSafe(repository.slug)}: ${repository.records} records, ${repository.links} links, ${head}: ${state}`;
  });
  const broken = verdict.repositories.filter((repository) => repository.problem !== null).length;
  const summary = verdict.intact
    ? `${verdict.records} records in ${verdict.repositories.length} repository chains: intact`
    : `${broken} of ${verdict.repositories.length} repository chains do not match what was recorded`;
  return [...lines, summary];
}

/**
 * `attest evidence verify --workspace W`: recomputes the ledger's hash chains in the local state and names the
 * first record of each that does not match. Exit 0 intact, 1 a chain does not match (docs/interfaces.md).
 */
async function runVerifyCommand(flags: EvidenceFlags, io: EvidenceIo): Promise<number> {
  const extra = (['since', 'until', 'sample', 'seed', 'config', 'out'] as const).find((flag) => flags[flag] !== undefined);
  if (extra) throw new CliError(2, `--${extra} does not apply to evidence verify`);
  const values = { workspace: flags.workspace, 'base-url': flags.baseUrl, 'state-dir': flags.stateDir };
  if (!values.workspace) throw new CliError(2, '--workspace is required (a slug or a {uuid})');
  const authorization = credentialsFromEnvironment(io.env);
  if (!authorization) throw new CliError(2, 'no credentials: set BITBUCKET_TOKEN, or BITBUCKET_EMAIL and BITBUCKET_API_TOKEN');
  const session = await openApp({ baseUrl: values['base-url'], authorization, stateDir: values['state-dir'], workspace: values.workspace });
  const verdict = await session.runtime.withInstallation(session.workspace.uuid, () => verifyLedger(createStore()));
  io.stdout.write(`${verdictLines(verdict).join('\n')}\n`);
  return verdict.intact ? 0 : 1;
}

export async function runEvidenceCommand(
  argv: readonly string[],
  io: EvidenceIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const flags = parseCommand(EVIDENCE, argv, EvidenceFlags, { stdout: io.stdout, stderr: io.stderr ?? process.stderr });
  if (flags.args[0] === 'verify') return runVerifyCommand(flags, io);
  const { values, options } = parseEvidenceArgs(flags);
  const authorization = credentialsFromEnvironment(io.env);
  if (!authorization) throw new CliError(2, 'no credentials: set BITBUCKET_TOKEN, or BITBUCKET_EMAIL and BITBUCKET_API_TOKEN');
  const policy = loadPolicy(values.config);
  const session = await openApp({ baseUrl: values['base-url'], authorization, stateDir: values['state-dir'], workspace: values.workspace });
  let coverage: PeriodCoverage;
  try {
    coverage = await coverLedger(session, policy, { ...options, stderr: io.stderr });
  } catch (error) {
    throw cliErrorFor(error, values.workspace, values['base-url']);
  }
  const { since, until } = options;
  const { records, chain, population, exceptions } = await session.runtime.withInstallation(session.workspace.uuid, async () => {
    const inPeriod = await createStore().listEvidenceBetween(since, until);
    const chosen = options.sample ? drawSample(inPeriod, options.sample) : inPeriod;
    const stored = await createStore().getPolicy();
    return { records: chosen, chain: await chainOf(createStore(), chosen), population: inPeriod.length, exceptions: stored.exceptions };
  });
  const context = {
    period: { since: since.toISOString(), until: until.toISOString() },
    workspace: session.workspace,
    generatedAt: new Date(session.clock.now()).toISOString(),
    coverage,
    chain,
    ...(options.sample ? { sample: { ...options.sample, population } } : {}),
  };
  const summary = {
    workspace: session.workspace.slug,
    period: context.period,
    generatedAt: context.generatedAt,
    coverage: { complete: coverage.gaps.length === 0, text: summaryCoverage(coverage) },
    exceptions,
  };
  const output = evidenceFile(options.format, records, { json: context, summary }).body;
  if (options.out) writeAtomically(options.out, output);
  // On a terminal, titles cannot move the cursor or open links (ESC/OSC-8): control characters are blanked.
  // A file or a pipe gets the data as it is, so nothing an auditor receives is altered.
  else io.stdout.write((io.stdout as { isTTY?: boolean }).isTTY ? output.split('\n').map(terminalSafe).join('\n') : output);
  const lines = [
    ...(options.sample
      ? [
          `attest: a sample of ${records.length} from a population of ${population} merged pull requests (seed ${JSON.stringify(options.sample.seed)})`,
        ]
      : []),
    ...coverageLines(coverage),
  ];
  if (lines.length > 0) (io.stderr ?? process.stderr).write(`${lines.join('\n')}\n`);
  // Exit 3 (docs/interfaces.md): part of the period could not be read from Bitbucket.
  return coverage.gaps.length > 0 ? 3 : 0;
}
