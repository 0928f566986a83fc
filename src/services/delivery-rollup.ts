/**
 * The rollup (docs/delivery-metrics.md): recomputes the weeks of each repository whose facts changed (its change
 * markers), then the workspace's figures, the projects' and the repository table from every repository's weeks.
 * KVS reads only: no Bitbucket request. What the Delivery tab reads is then one value (the overview) and one page.
 */
import { repositoryWeeks, type FlowRules, type RepositoryWeek } from '../metrics/weekly';
import { coverageOf, figuresOf, type FlowFigures } from '../metrics/summarize';
import { weekOf, weekStart, weeksEnding } from '../metrics/weeks';
import { RETENTION_WEEKS, WINDOWS, type FlowOverview, type KeyNumbers, type RepositoryFlowRow, type TableRow } from '../store/flow-records';
import type { Store } from '../store/store';
import { sleep } from '../lib/clock';

/** Rows a table page holds (about 380 bytes each: under 100 KiB a page). */
export const TABLE_PAGE_ROWS = 250;

export function keyNumbers(figures: FlowFigures): KeyNumbers {
  return {
    opened: figures.opened,
    merged: figures.merged,
    mergedProtected: figures.mergedProtected,
    declined: figures.declined,
    independentShare: figures.independentShare,
    firstReviewMedian: figures.firstReviewMinutes.median,
    approvalMedian: figures.approvalMinutes.median,
    cycleMedian: figures.cycleMinutes.median,
    cycleP85: figures.cycleMinutes.p85,
    rubberStamps: figures.rubberStamps,
    deployments: figures.deployments,
    changeFailureRate: figures.changeFailureRate,
    leadTimeMedian: figures.leadTimeMinutes.median,
    restoreMedian: figures.restoreMinutes.median,
  };
}

/** One repository's weeks from its stored facts and deployments. */
export async function repositoryRow(
  store: Store,
  target: { uuid: string; slug: string; project: string | null; now: Date; rules: FlowRules },
): Promise<RepositoryFlowRow> {
  const facts = await store.listFacts(target.uuid);
  const deployments = await store.getDeployments(target.uuid);
  const weeks = repositoryWeeks(
    { facts, deployments: deployments?.coverage === 'measured' ? deployments.deployments : null },
    { weeks: weeksEnding(target.now, RETENTION_WEEKS), until: target.now },
    target.rules,
  );
  return {
    uuid: target.uuid,
    slug: target.slug,
    project: target.project,
    computedAt: target.now.toISOString(),
    coverage: deployments?.coverage ?? 'unread',
    pullRequests: facts.length,
    // Quiet weeks are left out (a week absent is a week of zeros): most repositories are quiet most weeks.
    weeks: weeks.filter((week) => !isQuiet(week)),
  };
}

function isQuiet(week: RepositoryWeek): boolean {
  const { week: _name, reviews, ...rest } = week;
  return (
    Object.keys(reviews).length === 0 && Object.values(rest).every((value) => (Array.isArray(value) ? value.length === 0 : value === 0))
  );
}

/** Rows within a window (by week name, so rows computed on different days line up). */
export function inWindow(rows: readonly RepositoryFlowRow[], weeks: readonly string[]): RepositoryWeek[] {
  const wanted = new Set(weeks);
  return rows.flatMap((row) => row.weeks.filter((week) => wanted.has(week.week)));
}

/**
 * Repositories recomputed a minute (each is a facts query, two reads and a row write: about 2,000 read and 500 write
 * units of the installation's 4,000 a minute), and a run at most (six minutes of the consumer's fifteen).
 */
const REPOSITORIES_A_MINUTE = 500;
const REPOSITORIES_A_RUN = 3000;

/**
 * Folds changed repositories in and rewrites the workspace's figures. `changed`: anything was folded in; `more`:
 * repositories are still waiting (a run folds at most 3,000, paced a minute per 500): the caller queues another.
 */
export async function rollupFlow(
  store: Store,
  ctx: { now: Date; rules: FlowRules; force?: boolean },
): Promise<{ changed: boolean; more: boolean }> {
  const markers = await store.pendingFlowChanges();
  if (markers.length === 0 && !ctx.force) return { changed: false, more: false };
  const changed = [...new Set(markers.map((marker) => marker.value.uuid))].sort();
  const now = changed.slice(0, REPOSITORIES_A_RUN);
  for (const [i, uuid] of now.entries()) {
    if (i > 0 && i % REPOSITORIES_A_MINUTE === 0) await sleep(60_000);
    const record = await store.getRepository(uuid);
    // A repository deleted since (its record removed with its facts): its row goes.
    if (!record && (await store.listFacts(uuid)).length === 0) {
      await store.deleteFlowRow(uuid);
      continue;
    }
    await store.putFlowRow(
      await repositoryRow(store, { uuid, slug: record?.slug ?? uuid, project: record?.projectKey ?? null, now: ctx.now, rules: ctx.rules }),
    );
  }
  const folded = new Set(now);
  await store.clearFlowChanges(markers.filter((marker) => folded.has(marker.value.uuid)).map((marker) => marker.key));
  const rows = await store.listFlowRows();
  await store.putFlowRollup(rollupOf(rows, ctx.now));
  return { changed: true, more: changed.length > now.length };
}

/** The overview, the table pages and the projects' numbers from every repository's weeks. */
export function rollupOf(rows: readonly RepositoryFlowRow[], now: Date) {
  const pages = new Map<number, TableRow[][]>();
  const projects = new Map<number, { rows: Array<{ project: string | null; repositories: number; numbers: KeyNumbers }> }>();
  const windows: FlowOverview['windows'] = [];
  for (const size of WINDOWS) {
    const weeks = weeksEnding(now, size);
    const table = rows
      .map((row): TableRow => ({
        uuid: row.uuid,
        slug: row.slug,
        project: row.project,
        coverage: row.coverage,
        numbers: keyNumbers(figuresOf(inWindow([row], weeks), size)),
      }))
      .sort((a, b) => b.numbers.merged - a.numbers.merged || a.slug.localeCompare(b.slug));
    const chunked: TableRow[][] = [];
    for (let i = 0; i < table.length; i += TABLE_PAGE_ROWS) chunked.push(table.slice(i, i + TABLE_PAGE_ROWS));
    pages.set(size, chunked);
    const byProject = new Map<string | null, RepositoryFlowRow[]>();
    for (const row of rows) byProject.set(row.project, [...(byProject.get(row.project) ?? []), row]);
    projects.set(size, {
      rows: [...byProject.entries()]
        .map(([project, members]) => ({
          project,
          repositories: members.length,
          numbers: keyNumbers(figuresOf(inWindow(members, weeks), size)),
        }))
        .sort((a, b) => (a.project ?? '').localeCompare(b.project ?? '')),
    });
    windows.push({
      weeks: size,
      since: weekStart(weeks[0] ?? weekOf(now)),
      figures: figuresOf(inWindow(rows, weeks), size),
      tablePages: chunked.length,
    });
  }
  const series = weeksEnding(now, RETENTION_WEEKS).map((week) => ({ week, figures: figuresOf(inWindow(rows, [week]), 1) }));
  const overview: FlowOverview = {
    computedAt: now.toISOString(),
    repositories: rows.length,
    coverage: coverageOf(rows.map((row) => row.coverage)),
    windows,
    series,
  };
  return { overview, pages, projects };
}
