/**
 * The dashboard's Delivery tab (docs/delivery-metrics.md): pull-request flow and DORA per week, from the events
 * Attest already receives. Trend charts, the window's figures, BB-FLOW-1 (advisory), a sortable table of the
 * repositories the viewer can read, filtered by project, and the projects' numbers for administrators. When no
 * repository deploys to a Production environment, it says so instead of showing zeros.
 */
import React, { useState } from 'react';
import { z } from 'zod';
import { Button, DynamicTable, Heading, Inline, Label, LineChart, Lozenge, SectionMessage, Select, Stack, Text } from '@forge/react';
import type { ResolverOutput } from '../../contract/resolvers';
import { Loading, LoadError } from '../shared/states';
import { useResolver } from '../shared/use-resolver';
import { duration, hoursOf, share } from '../shared/durations';
import { When } from '../shared/people-and-times';

type Delivery = ResolverOutput<'delivery/get'>;
type Figures = NonNullable<Delivery['overview']>['window']['figures'];
type Row = Delivery['rows'][number];
const WINDOWS = [4, 12, 26] as const;
const Picked = z.object({ value: z.string() }).nullable().catch(null);

export function DeliveryTab() {
  const [weeks, setWeeks] = useState<(typeof WINDOWS)[number]>(12);
  const [page, setPage] = useState(0);
  const { load, reload } = useResolver('delivery/get', { weeks, page });
  if (load.state === 'loading') return <Loading what="the delivery metrics" />;
  if (load.state === 'error') return <LoadError message={load.message} code={load.code} onRetry={reload} />;
  const data = load.data;
  return (
    <Stack space="space.300">
      <Inline space="space.100" alignBlock="center">
        <Text>Window:</Text>
        {WINDOWS.map((size) => (
          <Button key={size} appearance={size === weeks ? 'primary' : 'default'} onClick={() => (setWeeks(size), setPage(0))}>
            {`${size} weeks`}
          </Button>
        ))}
      </Inline>
      {data.overview ? <DeliveryBody data={data} overview={data.overview} paging={{ page, setPage }} /> : <NotYet sync={data.sync} />}
    </Stack>
  );
}

function NotYet({ sync }: { sync: Delivery['sync'] }) {
  const pass = sync.pass;
  return (
    <SectionMessage title="Delivery metrics are being prepared" appearance="information">
      <Text>
        {pass
          ? `Attest is reading the last 26 weeks of pull requests and deployments: ${pass.repositories} repositories so far, within the hourly share of Bitbucket's limit.`
          : 'Attest reads the last 26 weeks of pull requests and deployments once the first compliance scan is complete; from then on, events keep the figures current.'}
      </Text>
    </SectionMessage>
  );
}

type Overview = NonNullable<Delivery['overview']>;

function DeliveryBody({
  data,
  overview,
  paging,
}: {
  data: Delivery;
  overview: Overview;
  paging: { page: number; setPage: (page: number) => void };
}) {
  const { page, setPage } = paging;
  const figures = overview.window.figures;
  return (
    <Stack space="space.300">
      <Stack space="space.050">
        <Text>{`${overview.repositories} repositories, ${overview.window.weeks} weeks from ${overview.window.since.slice(0, 10)}.`}</Text>
        <When at={overview.computedAt} prefix="Figures as of " />
      </Stack>
      <Flow figures={figures} />
      <Advisory advisory={data.advisory} />
      <Dora figures={figures} coverage={overview.coverage} />
      <Trends series={overview.series} coverage={overview.coverage} />
      <Repositories rows={data.rows} page={page} pages={overview.window.tablePages} setPage={setPage} />
      {data.projects ? <Projects projects={data.projects} /> : null}
    </Stack>
  );
}

function Figure({ label, value, detail }: { label: string; value: string; detail?: string }) {
  return (
    <Stack space="space.025">
      <Text>{label}</Text>
      <Heading size="small">{value}</Heading>
      {detail ? <Text>{detail}</Text> : null}
    </Stack>
  );
}

function Flow({ figures }: { figures: Figures }) {
  return (
    <Stack space="space.100">
      <Heading size="medium">Pull-request flow</Heading>
      <Inline space="space.400" shouldWrap>
        <Figure label="Opened / merged / declined" value={`${figures.opened} / ${figures.merged} / ${figures.declined}`} />
        <Figure
          label="Time to first review"
          value={duration(figures.firstReviewMinutes.median)}
          detail={`median; p85 ${duration(figures.firstReviewMinutes.p85)}`}
        />
        <Figure
          label="Time to approval"
          value={duration(figures.approvalMinutes.median)}
          detail={`median; p85 ${duration(figures.approvalMinutes.p85)}`}
        />
        <Figure
          label="Open → merge"
          value={duration(figures.cycleMinutes.median)}
          detail={`median; p85 ${duration(figures.cycleMinutes.p85)}`}
        />
        <Figure
          label="Independent approval"
          value={share(figures.independentShare)}
          detail={`of ${figures.mergedProtected} merges into protected branches`}
        />
        <Figure
          label="Reviews per reviewer"
          value={figures.reviewsPerReviewerPerWeek === null ? '–' : `${figures.reviewsPerReviewerPerWeek} a week`}
          detail={`${figures.reviewers} reviewers`}
        />
        <Figure
          label="Rubber stamps"
          value={String(figures.rubberStamps)}
          detail={
            figures.rubberStampUnknown > 0
              ? `${figures.rubberStampUnknown} more could not be judged`
              : 'approved within minutes of a push on a large diff'
          }
        />
      </Inline>
    </Stack>
  );
}

function Advisory({ advisory }: { advisory: Delivery['advisory'] }) {
  const appearance = advisory.outcome === 'pass' ? 'success' : advisory.outcome === 'fail' ? 'removed' : 'default';
  return (
    <Inline space="space.100" alignBlock="center">
      <Lozenge appearance={appearance}>{advisory.outcome === 'not-applicable' ? 'not set' : advisory.outcome}</Lozenge>
      <Text>{`BB-FLOW-1 (advisory, not in the score): ${advisory.detail}`}</Text>
    </Inline>
  );
}

function Dora({ figures, coverage }: { figures: Figures; coverage: NonNullable<Delivery['overview']>['coverage'] }) {
  if (coverage !== 'measured')
    return (
      <SectionMessage title="No deployment figures" appearance="information">
        <Text>
          {coverage === 'no-production'
            ? 'No repository deploys to a Production environment with Bitbucket Deployments, so deployment frequency, lead time, change failure rate and time to restore cannot be measured here.'
            : 'Deployments have not been read yet, or Bitbucket refused them: the Health tab says which.'}
        </Text>
      </SectionMessage>
    );
  return (
    <Stack space="space.100">
      <Heading size="medium">Deployments (DORA)</Heading>
      <Inline space="space.400" shouldWrap>
        <Figure
          label="Deployment frequency"
          value={figures.deploymentsPerWeek === null ? '–' : `${figures.deploymentsPerWeek} a week`}
          detail={`${figures.deployments} to production`}
        />
        <Figure
          label="Lead time for changes"
          value={duration(figures.leadTimeMinutes.median)}
          detail={`median, opened → in production; p85 ${duration(figures.leadTimeMinutes.p85)}`}
        />
        <Figure
          label="Change failure rate"
          value={share(figures.changeFailureRate)}
          detail={`${figures.changeFailures} of ${figures.deployments} deployments`}
        />
        <Figure label="Time to restore" value={duration(figures.restoreMinutes.median)} detail={`median of ${figures.restoreMinutes.n}`} />
      </Inline>
    </Stack>
  );
}

function Trends({
  series,
  coverage,
}: {
  series: NonNullable<Delivery['overview']>['series'];
  coverage: NonNullable<Delivery['overview']>['coverage'];
}) {
  const merged = series.flatMap((week) => [
    { week: week.week.slice(5), count: week.figures.opened, what: 'opened' },
    { week: week.week.slice(5), count: week.figures.merged, what: 'merged' },
    ...(coverage === 'measured' ? [{ week: week.week.slice(5), count: week.figures.deployments, what: 'deployed' }] : []),
  ]);
  const times = series.flatMap((week) =>
    [
      { week: week.week.slice(5), hours: hoursOf(week.figures.firstReviewMinutes.median), what: 'first review' },
      { week: week.week.slice(5), hours: hoursOf(week.figures.cycleMinutes.median), what: 'open → merge' },
    ].filter((point) => point.hours !== null),
  );
  return (
    <Stack space="space.100">
      <Heading size="medium">Per week</Heading>
      <LineChart data={merged} xAccessor="week" yAccessor="count" colorAccessor="what" title="Pull requests and deployments per week" />
      <LineChart data={times} xAccessor="week" yAccessor="hours" colorAccessor="what" title="Median hours to first review and to merge" />
    </Stack>
  );
}

function Repositories({ rows, page, pages, setPage }: { rows: Row[]; page: number; pages: number; setPage: (page: number) => void }) {
  const [project, setProject] = useState<string | null>(null);
  const projects = [...new Set(rows.map((row) => row.project ?? '(no project)'))].sort();
  const shown = project === null ? rows : rows.filter((row) => (row.project ?? '(no project)') === project);
  return (
    <Stack space="space.100">
      <Heading size="medium">Repositories</Heading>
      <Label labelFor="delivery-project">Project</Label>
      <Select
        inputId="delivery-project"
        placeholder="All projects"
        isClearable
        options={projects.map((name) => ({ label: name, value: name }))}
        onChange={(picked: unknown) => setProject(Picked.parse(picked)?.value ?? null)}
      />
      <DynamicTable
        label="Delivery by repository"
        head={{
          cells: [
            { key: 'repository', content: 'Repository', isSortable: true },
            { key: 'merged', content: 'Merged', isSortable: true },
            { key: 'review', content: 'First review (median)', isSortable: true },
            { key: 'cycle', content: 'Open → merge (median)', isSortable: true },
            { key: 'independent', content: 'Independent approval', isSortable: true },
            { key: 'stamps', content: 'Rubber stamps', isSortable: true },
            { key: 'deploys', content: 'Deployments', isSortable: true },
            { key: 'cfr', content: 'Change failure rate', isSortable: true },
          ],
        }}
        rows={shown.map(tableRow)}
        rowsPerPage={25}
        emptyView={<Text>No repository you can read has delivery figures yet.</Text>}
      />
      {pages > 1 ? (
        <Inline space="space.100">
          <Button isDisabled={page === 0} onClick={() => setPage(page - 1)}>
            Fewer merges
          </Button>
          <Text>{`Page ${page + 1} of ${pages}`}</Text>
          <Button isDisabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
            More
          </Button>
        </Inline>
      ) : null}
    </Stack>
  );
}

function Projects({ projects }: { projects: NonNullable<Delivery['projects']> }) {
  return (
    <Stack space="space.100">
      <Heading size="medium">Projects</Heading>
      <DynamicTable
        label="Delivery by project"
        head={{
          cells: [
            { key: 'project', content: 'Project' },
            { key: 'repositories', content: 'Repositories' },
            { key: 'merged', content: 'Merged' },
            { key: 'cycle', content: 'Open → merge (median)' },
            { key: 'lead', content: 'Lead time (median)' },
          ],
        }}
        rows={projects.map((project) => ({
          key: project.project ?? '(no project)',
          cells: [
            { key: 'project', content: project.project ?? '(no project)' },
            { key: 'repositories', content: project.repositories },
            { key: 'merged', content: project.numbers.merged },
            { key: 'cycle', content: duration(project.numbers.cycleMedian) },
            { key: 'lead', content: duration(project.numbers.leadTimeMedian) },
          ],
        }))}
      />
    </Stack>
  );
}

// A cell's key is its sort key and, within the row, its React key: prefixed by the column so no two cells share one.
const cell = (column: string, sort: string, content: string | number) => ({ key: `${column}:${sort}`, content });
// Numbers as fixed-width text sort as numbers; what is not known sorts last ('~' after the digits).
const sortable = (value: number | null, scale = 1) => (value === null ? '~' : String(Math.round(value * scale)).padStart(10, '0'));

/** One repository's row of the table: plain values (a DynamicTable cell must not hold a hook component). */
function tableRow(row: Row) {
  return {
    key: row.uuid,
    cells: [
      cell('repository', row.slug, row.slug),
      cell('merged', sortable(row.numbers.merged), row.numbers.merged),
      cell('review', sortable(row.numbers.firstReviewMedian), duration(row.numbers.firstReviewMedian)),
      cell('cycle', sortable(row.numbers.cycleMedian), duration(row.numbers.cycleMedian)),
      cell('independent', sortable(row.numbers.independentShare, 1000), share(row.numbers.independentShare)),
      cell('stamps', sortable(row.numbers.rubberStamps), row.numbers.rubberStamps),
      cell(
        'deploys',
        sortable(row.coverage === 'measured' ? row.numbers.deployments : null),
        row.coverage === 'measured' ? row.numbers.deployments : 'not deployed',
      ),
      cell(
        'cfr',
        sortable(row.coverage === 'measured' ? row.numbers.changeFailureRate : null, 1000),
        row.coverage === 'measured' ? share(row.numbers.changeFailureRate) : '–',
      ),
    ],
  };
}
