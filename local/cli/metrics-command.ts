/**
 * `attest metrics`: delivery metrics for a workspace straight from Bitbucket (docs/delivery-metrics.md): the
 * pull-request flow and DORA figures for a window of whole weeks, per repository and for the workspace. It reads
 * what the app's install backfill reads (src/services/delivery.ts) and computes with the same functions the
 * dashboard's Delivery tab uses, so the numbers are the dashboard's for the same weeks.
 */
import { Option } from 'commander';
import { z } from 'zod';
import { listRepositories } from '../../src/bitbucket/api';
import { appRequest, createBitbucketClient } from '../../src/bitbucket/client';
import { repositorySlug } from '../../src/bitbucket/schemas';
import { coverageOf, figuresOf, reviewAdvisory, type FlowFigures } from '../../src/metrics/summarize';
import { weekOf, weekStart, weeksEnding, weeksSince } from '../../src/metrics/weeks';
import { csvCell } from '../../src/services/access-review';
import { duration, share } from '../../src/frontend/shared/durations';
import { BACKFILL_DAYS, backfillRepository, flowRules } from '../../src/services/delivery';
import { inWindow, keyNumbers, repositoryRow } from '../../src/services/delivery-rollup';
import type { TableRow } from '../../src/store/flow-records';
import { createStore } from '../../src/store/store';
import { cliErrorFor, openApp } from './app-session';
import { CliError } from './errors';
import { parseCommand, type Definition } from './program';
import { credentialsFromEnvironment, loadPolicy, writeAtomically } from './scan-command';

export const METRICS: Definition = {
  name: 'metrics',
  summary: 'delivery metrics: pull-request flow and DORA, per repository and for the workspace',
  define: (command) =>
    command
      .description(
        'Reads the pull requests, their activity and the deployments of the window from Bitbucket and prints the figures ' +
          'the dashboard’s Delivery tab shows: opened, merged, time to first review and approval, open → merge (median and ' +
          'p85), independent approval, rubber stamps, deployment frequency, lead time, change failure rate, time to restore.',
      )
      .option('--workspace <slug-or-uuid>', 'the workspace')
      .option('--since <date>', 'the window starts with the week holding this day (YYYY-MM-DD); default: 12 weeks')
      .option('--until <instant>', 'the window ends with the week holding this instant; default: now')
      .option('--base-url <url>', 'the Bitbucket Cloud API', 'https://api.bitbucket.org')
      .option('--config <file>', 'a policy file (docs/examples/policy.json): protected branches, rubber-stamp and hotfix rules')
      .addOption(new Option('--format <format>', 'table, json or csv').choices(['table', 'json', 'csv']).default('table'))
      .option('--out <file>', 'write to a file instead of standard output'),
};

const Instant = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be a date (YYYY-MM-DD) or an ISO 8601 instant');
const Flags = z.object({
  workspace: z.string({ error: 'is required (a slug or a {uuid})' }).min(1),
  since: Instant.optional(),
  until: Instant.optional(),
  baseUrl: z.string(),
  config: z.string().optional(),
  format: z.enum(['table', 'json', 'csv']),
  out: z.string().optional(),
});

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export interface MetricsReport {
  workspace: string;
  since: string;
  until: string;
  weeks: string[];
  coverage: ReturnType<typeof coverageOf>;
  figures: FlowFigures;
  advisory: ReturnType<typeof reviewAdvisory> & { id: 'BB-FLOW-1' };
  repositories: Array<Omit<TableRow, 'uuid'>>;
  gaps: string[];
}

export async function runMetricsCommand(
  argv: readonly string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const flags = parseCommand(METRICS, argv, Flags, io);
  const authorization = credentialsFromEnvironment(io.env);
  if (!authorization) throw new CliError(2, 'no credentials: set BITBUCKET_TOKEN, or BITBUCKET_EMAIL and BITBUCKET_API_TOKEN');
  const policy = loadPolicy(flags.config);
  const session = await openApp({ baseUrl: flags.baseUrl, authorization, stateDir: null, workspace: flags.workspace });
  const until = flags.until ? new Date(flags.until) : new Date(session.clock.now());
  const since = flags.since ? new Date(flags.since) : new Date(weekStart(weeksEnding(until, 12)[0] ?? weekOf(until)));
  if (since > until) throw new CliError(2, '--since: must be before --until');
  if (until.getTime() - since.getTime() > (BACKFILL_DAYS - 7) * 86_400_000)
    throw new CliError(2, '--since: at most 25 weeks before --until (what Attest keeps)');
  let report: MetricsReport;
  try {
    report = await session.runtime.withInstallation(session.workspace.uuid, () =>
      measure({ workspace: session.workspace, policy, since, until }),
    );
  } catch (error) {
    throw cliErrorFor(error, flags.workspace, flags.baseUrl);
  }
  const text = flags.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : flags.format === 'csv' ? csvOf(report) : tableOf(report);
  if (flags.out) writeAtomically(flags.out, text);
  else io.stdout.write(text);
  if (report.gaps.length > 0)
    io.stderr.write(`attest: ${report.gaps.length} part${report.gaps.length === 1 ? '' : 's'} could not be read (see "gaps")\n`);
  return report.gaps.length > 0 ? 3 : 0;
}

async function measure(ctx: {
  workspace: { slug: string; uuid: string };
  policy: ReturnType<typeof loadPolicy>;
  since: Date;
  until: Date;
}): Promise<MetricsReport> {
  const { workspace, policy, since, until } = ctx;
  const client = createBitbucketClient({ request: appRequest() });
  const store = createStore();
  const gaps: string[] = [];
  const listing = await listRepositories(client, workspace.uuid);
  if (listing.truncated) gaps.push('repositories: the list was cut short');
  const rules = flowRules(policy);
  const rows = [];
  for (const repository of listing.values) {
    const target = { uuid: repository.uuid, mainBranch: repository.mainbranch?.name ?? null };
    const synced = await backfillRepository({ client, store, workspaceUuid: workspace.uuid, policy, now: until }, target);
    gaps.push(...synced.gaps.map((gap) => `${repositorySlug(repository)}: ${gap}`));
    rows.push(
      await repositoryRow(store, {
        uuid: repository.uuid.replace(/[{}]/g, ''),
        slug: repositorySlug(repository),
        project: repository.project?.key ?? null,
        now: until,
        rules,
      }),
    );
  }
  const weeks = weeksSince(since, until);
  const figures = figuresOf(inWindow(rows, weeks), weeks.length);
  const repositories = rows
    .map((row) => ({
      slug: row.slug,
      project: row.project,
      coverage: row.coverage,
      numbers: keyNumbers(figuresOf(inWindow([row], weeks), weeks.length)),
    }))
    .sort((a, b) => b.numbers.merged - a.numbers.merged || a.slug.localeCompare(b.slug));
  return {
    workspace: workspace.slug,
    since: weekStart(weeks[0] ?? weekOf(until)),
    until: until.toISOString(),
    weeks,
    coverage: coverageOf(rows.map((row) => row.coverage)),
    figures,
    advisory: { id: 'BB-FLOW-1', ...reviewAdvisory(figures, policy.maxReviewHours) },
    repositories,
    gaps,
  };
}

const NUMBER_COLUMNS = [
  'opened',
  'merged',
  'mergedProtected',
  'declined',
  'independentShare',
  'firstReviewMedian',
  'approvalMedian',
  'cycleMedian',
  'cycleP85',
  'rubberStamps',
  'deployments',
  'changeFailureRate',
  'leadTimeMedian',
  'restoreMedian',
] as const;

/** One line per repository; durations in minutes, shares as fractions. */
function csvOf(report: MetricsReport): string {
  const header = ['repository', 'project', 'deployments_read', ...NUMBER_COLUMNS];
  const lines = report.repositories.map((row) =>
    [row.slug, row.project, row.coverage, ...NUMBER_COLUMNS.map((column) => row.numbers[column])].map(csvCell).join(','),
  );
  return `${[header.join(','), ...lines].join('\n')}\n`;
}

function tableOf(report: MetricsReport): string {
  const f = report.figures;
  const dora =
    report.coverage === 'measured'
      ? [
          `Deployments to production  ${f.deployments} (${f.deploymentsPerWeek ?? '–'} a week)`,
          `Lead time for changes      median ${duration(f.leadTimeMinutes.median)}, p85 ${duration(f.leadTimeMinutes.p85)}`,
          `Change failure rate        ${share(f.changeFailureRate)} (${f.changeFailures} of ${f.deployments})`,
          `Time to restore            median ${duration(f.restoreMinutes.median)}`,
        ]
      : [
          report.coverage === 'no-production'
            ? 'DORA: no repository deploys to a Production environment with Bitbucket Deployments.'
            : 'DORA: deployments could not be read.',
        ];
  const lines = [
    `Delivery metrics for ${report.workspace}, ${report.weeks.length} weeks from ${report.since.slice(0, 10)}`,
    '',
    `Pull requests              ${f.opened} opened, ${f.merged} merged (${f.mergedProtected} into protected branches), ${f.declined} declined`,
    `Time to first review       median ${duration(f.firstReviewMinutes.median)}, p85 ${duration(f.firstReviewMinutes.p85)}`,
    `Time to approval           median ${duration(f.approvalMinutes.median)}, p85 ${duration(f.approvalMinutes.p85)}`,
    `Open → merge               median ${duration(f.cycleMinutes.median)}, p85 ${duration(f.cycleMinutes.p85)}`,
    `Independent approval       ${share(f.independentShare)} of protected merges`,
    `Reviews                    ${f.reviewsPerReviewerPerWeek ?? '–'} per reviewer a week (${f.reviewers} reviewers)`,
    `Rubber stamps              ${f.rubberStamps}${f.rubberStampUnknown > 0 ? ` (${f.rubberStampUnknown} not known)` : ''}`,
    ...dora,
    `${report.advisory.id} (advisory)       ${report.advisory.outcome}: ${report.advisory.detail}`,
    '',
    'Repository                         merged  first review  open → merge  deploys  CFR',
    ...report.repositories.map(
      (row) =>
        `${row.slug.padEnd(34)} ${String(row.numbers.merged).padStart(6)}  ${duration(row.numbers.firstReviewMedian).padStart(12)}  ${duration(row.numbers.cycleMedian).padStart(12)}  ${String(row.coverage === 'measured' ? row.numbers.deployments : '–').padStart(7)}  ${row.coverage === 'measured' ? share(row.numbers.changeFailureRate) : '–'}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
