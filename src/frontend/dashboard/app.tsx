/**
 * The workspace compliance dashboard (`bitbucket:workspaceGlobalPage`): score and outcomes, pass rate per
 * control, frameworks, repositories (search, filters, pages, drill-down), what needs attention
 * (could not be checked, excepted, advisory), recent changes, evidence for a period, freshness and "Scan
 * now". It reads stored state through resolvers; it never calls Bitbucket for verdicts.
 */
import React, { useState } from 'react';
import {
  Button,
  CodeBlock,
  DatePicker,
  DynamicTable,
  EmptyState,
  Heading,
  Inline,
  Label,
  Lozenge,
  SectionMessage,
  Select,
  Stack,
  Tab,
  TabList,
  TabPanel,
  Tabs,
  Text,
  Textfield,
} from '@forge/react';
import { Loading, LoadError } from '../shared/states';
import { Overview, type Summary } from './overview';
import { callResolver, useResolver } from '../shared/use-resolver';
import { OUTCOME_APPEARANCE, OUTCOME_LABEL } from '../shared/outcomes';
import type { EvidenceView } from '../../contract/resolvers';
import { FRAMEWORK_NAMES, filterRows, NO_FILTERS, projectsOf, type DashboardViewModel, type Filters, type Row } from './view-model';

export function Dashboard() {
  const { load, reload } = useResolver('dashboard/get', {});
  if (load.state === 'loading') return <Loading what="the workspace compliance dashboard" />;
  if (load.state === 'error') return <LoadError message={load.message} onRetry={reload} />;
  return <DashboardBody view={load.data} reload={reload} />;
}

const REPOSITORIES_TAB = 1;

function DashboardBody({ view, reload }: { view: DashboardViewModel; reload: () => void }) {
  // The repository rows are read when their tab is first opened, not with the overview: at 10,000
  // repositories they are 2.4 MiB of KVS reads, which most visits never need.
  const [repositoriesOpened, setRepositoriesOpened] = useState(false);
  if (view.summary === null) {
    return (
      <Stack space="space.200">
        <EmptyState
          header="The first scan has not finished yet"
          description={
            view.freshness.installedAt
              ? `Attest was installed at ${view.freshness.installedAt} and is reading every repository of the workspace. Results appear here as soon as the first pass is done, usually within minutes.`
              : 'Attest reads every repository of the workspace after it is installed. Results appear here when that scan finishes, usually within minutes.'
          }
        />
        <Inline>
          <Button onClick={reload}>Refresh</Button>
        </Inline>
      </Stack>
    );
  }
  const partial = view.summary.evaluated < view.summary.repositories;
  return (
    <Stack space="space.200">
      <Heading size="large">Workspace compliance</Heading>
      {partial ? (
        <SectionMessage appearance="information" title="Results are still coming in">
          <Text>
            {view.summary.evaluated} of {view.summary.repositories} repositories are evaluated; the rest are evaluated within the request
            budget over the next hours.
          </Text>
        </SectionMessage>
      ) : null}
      <Tabs id="dashboard-tabs" onChange={(index: number) => (index === REPOSITORIES_TAB ? setRepositoriesOpened(true) : undefined)}>
        <TabList>
          <Tab>Overview</Tab>
          <Tab>Repositories</Tab>
          <Tab>Frameworks</Tab>
          <Tab>Evidence</Tab>
          <Tab>Changes</Tab>
        </TabList>
        <TabPanel>
          <Overview view={view} summary={view.summary} />
        </TabPanel>
        <TabPanel>{repositoriesOpened ? <RepositoriesTab controls={view.controls} /> : <Loading what="the repositories" />}</TabPanel>
        <TabPanel>
          <Frameworks summary={view.summary} />
        </TabPanel>
        <TabPanel>
          <Evidence />
        </TabPanel>
        <TabPanel>
          <Changes view={view} />
        </TabPanel>
      </Tabs>
    </Stack>
  );
}

function RepositoriesTab({ controls }: { controls: DashboardViewModel['controls'] }) {
  const { load, reload } = useResolver('dashboard/repositories', {});
  if (load.state === 'loading') return <Loading what="the repositories" />;
  if (load.state === 'error') return <LoadError message={load.message} onRetry={reload} />;
  return <Repositories rows={load.data.repositories} controls={controls} />;
}

const PAGE = 20;

function option(value: string | null, label: string) {
  return { label, value: value ?? '' };
}

function RepositoryFilters({ rows, filters, update }: { rows: Row[]; filters: Filters; update: (change: Partial<Filters>) => void }) {
  const value = (event: unknown) => (event as { value?: string } | null)?.value || null;
  return (
    <Inline space="space.100" alignBlock="end">
      <Stack space="space.050">
        <Label labelFor="search">Search</Label>
        <Textfield
          id="search"
          name="search"
          placeholder="Repository or control id"
          value={filters.search}
          onChange={(event) => update({ search: String((event as { target?: { value?: string } }).target?.value ?? '') })}
        />
      </Stack>
      <Select
        inputId="project"
        name="project"
        placeholder="All projects"
        options={[option(null, 'All projects'), ...projectsOf(rows).map((p) => option(p, p))]}
        onChange={(event) => update({ project: value(event) })}
      />
      <Select
        inputId="classification"
        placeholder="Any classification"
        options={[
          option(null, 'Any classification'),
          option('production', 'production'),
          option('non-production', 'non-production'),
          option('unclassified', 'unclassified'),
        ]}
        onChange={(event) => update({ classification: value(event) })}
      />
      <Select
        inputId="outcome"
        placeholder="Any outcome"
        options={[
          option(null, 'Any outcome'),
          option('failing', 'Failing a control'),
          option('unreadable', 'Could not check a control'),
          option('passing', 'Passing everything'),
        ]}
        onChange={(event) => update({ outcome: value(event) as Filters['outcome'] })}
      />
    </Inline>
  );
}

function failingCell(row: Row): string {
  if (row.failing.length > 0) return row.failing.join(', ');
  return row.counts['not-evaluable'] > 0 ? `none failing; ${row.counts['not-evaluable']} could not be checked` : 'none';
}

function RepositoryTable({
  visible,
  page,
  setPage,
  open,
}: {
  visible: Row[];
  page: number;
  setPage: (page: number) => void;
  open: (row: Row) => void;
}) {
  return (
    <>
      {visible.length === 0 ? (
        <Text>No repository matches these filters.</Text>
      ) : (
        <DynamicTable
          caption="Repositories"
          head={{
            cells: [
              { key: 'slug', content: 'Repository', isSortable: true },
              { key: 'project', content: 'Project', isSortable: true },
              { key: 'class', content: 'Classification', isSortable: true },
              { key: 'score', content: 'Score', isSortable: true },
              { key: 'failing', content: 'Failing controls' },
              { key: 'seen', content: 'Last evaluated', isSortable: true },
              { key: 'open', content: '' },
            ],
          }}
          rows={visible.map((row) => ({
            key: row.uuid,
            cells: [
              { key: row.slug, content: row.slug },
              { key: row.project ?? '', content: row.project ?? '—' },
              { key: row.classification, content: row.classification },
              { key: row.score ?? -1, content: row.score === null ? '—' : String(row.score) },
              { key: row.failing.length, content: failingCell(row) },
              { key: row.evaluatedAt ?? '', content: row.evaluatedAt ?? 'not yet' },
              { key: 'open', content: <Button onClick={() => open(row)}>Details</Button> },
            ],
          }))}
          rowsPerPage={PAGE}
          page={page}
          onSetPage={(next: number) => setPage(next)}
          defaultSortKey="score"
          defaultSortOrder="ASC"
        />
      )}
    </>
  );
}

export function Repositories({ rows, controls }: { rows: Row[]; controls: DashboardViewModel['controls'] }) {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [page, setPage] = useState(1);
  const [selected, setSelected] = useState<Row | null>(null);
  const visible = filterRows(rows, filters);
  const update = (change: Partial<Filters>) => {
    setFilters((current) => ({ ...current, ...change }));
    setPage(1);
  };
  return (
    <Stack space="space.200">
      <RepositoryFilters rows={rows} filters={filters} update={update} />
      <Text>
        {visible.length} of {rows.length} repositories
      </Text>
      <RepositoryTable visible={visible} page={page} setPage={setPage} open={setSelected} />
      {selected ? <RepositoryDetails row={selected} controls={controls} onClose={() => setSelected(null)} /> : null}
    </Stack>
  );
}

function RepositoryDetails({ row, controls, onClose }: { row: Row; controls: DashboardViewModel['controls']; onClose: () => void }) {
  const { load, reload } = useResolver('repository/get', { repositoryUuid: `{${row.uuid}}` });
  return (
    <Stack space="space.100">
      <Inline space="space.100" alignBlock="center">
        <Heading size="small">{row.slug}</Heading>
        <Button onClick={onClose}>Close</Button>
      </Inline>
      {load.state === 'loading' ? <Loading what={row.slug} /> : null}
      {load.state === 'error' ? <LoadError message={load.message} onRetry={reload} /> : null}
      {load.state === 'ready'
        ? (load.data.repository?.results ?? []).map((result) => (
            <Stack key={result.control} space="space.050">
              <Inline space="space.100" alignBlock="center">
                <Lozenge appearance={OUTCOME_APPEARANCE[result.outcome]}>{OUTCOME_LABEL[result.outcome]}</Lozenge>
                {result.enforced === false ? <Lozenge appearance="moved">advisory</Lozenge> : null}
                <Text>
                  {result.control} {controls[result.control]?.title ?? ''}: {result.message}
                </Text>
              </Inline>
              {result.remediation ? <Text>How to fix it: {result.remediation.join(' ')}</Text> : null}
            </Stack>
          ))
        : null}
    </Stack>
  );
}

function Frameworks({ summary }: { summary: Summary }) {
  const items = summary.frameworks;
  const status = { met: 'success', gaps: 'removed', unknown: 'moved' } as const;
  const label = { met: 'met', gaps: 'gaps', unknown: 'not fully checked' } as const;
  return (
    <Stack space="space.200">
      {(['soc2', 'iso27001', 'cis'] as const).map((framework) => (
        <Stack key={framework} space="space.100">
          <Heading size="small">{FRAMEWORK_NAMES[framework]}</Heading>
          <DynamicTable
            caption={FRAMEWORK_NAMES[framework]}
            head={{
              cells: [
                { key: 'id', content: 'Item' },
                { key: 'status', content: 'Status' },
                { key: 'controls', content: 'Controls' },
                { key: 'counts', content: 'Pass / fail / could not check' },
              ],
            }}
            rows={items
              .filter((item) => item.framework === framework)
              .map((item) => ({
                key: `${framework}-${item.id}`,
                cells: [
                  { key: 'id', content: item.id },
                  { key: 'status', content: <Lozenge appearance={status[item.status]}>{label[item.status]}</Lozenge> },
                  { key: 'controls', content: item.controls.join(', ') },
                  { key: 'counts', content: `${item.outcomes.pass} / ${item.outcomes.fail} / ${item.outcomes['not-evaluable']}` },
                ],
              }))}
          />
        </Stack>
      ))}
    </Stack>
  );
}

type EvidenceData = EvidenceView;

function EvidencePeriod({ data }: { data: EvidenceData }) {
  return (
    <Stack space="space.100">
      <Text>
        {data.merged} pull requests merged; {data.compliant} compliant ({data.share === null ? '—' : `${Math.round(data.share * 100)}%`}).
      </Text>
      {data.nonCompliant.length === 0 ? (
        <Text>Every pull request in the period was compliant.</Text>
      ) : (
        <DynamicTable
          caption="Pull requests merged without independent approval or a passing build"
          head={{
            cells: [
              { key: 'repo', content: 'Repository' },
              { key: 'id', content: 'Pull request' },
              { key: 'approved', content: 'Independent approval' },
              { key: 'build', content: 'Passing build' },
              { key: 'at', content: 'Merged' },
            ],
          }}
          rows={data.nonCompliant.map((record) => ({
            key: `${record.repositorySlug}-${record.pullRequestId}`,
            cells: [
              { key: 'repo', content: record.repositorySlug },
              { key: 'id', content: `#${record.pullRequestId} ${record.title}` },
              { key: 'approved', content: record.independentlyApproved ? 'yes' : 'no' },
              { key: 'build', content: record.passingBuild ? 'yes' : 'no' },
              { key: 'at', content: record.mergedAt },
            ],
          }))}
          rowsPerPage={20}
        />
      )}
      <Heading size="small">CSV for the auditor</Heading>
      <Text>Copy this into a file, or run `attest evidence` for the same rows.</Text>
      <CodeBlock language="text" text={data.csv} />
    </Stack>
  );
}

export function Evidence() {
  const today = new Date().toISOString().slice(0, 10);
  const ninetyDaysAgo = new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10);
  const [since, setSince] = useState(ninetyDaysAgo);
  const [until, setUntil] = useState(today);
  const [result, setResult] = useState<{ data?: EvidenceData; error?: string } | null>(null);
  const loadPeriod = async () => {
    const answer = await callResolver('evidence/get', { since, until });
    setResult(answer.ok ? { data: answer.data } : { error: answer.error.message });
  };
  return (
    <Stack space="space.200">
      <Text>
        Every pull request merged into a protected branch in the period: who approved it other than the author, and whether its build
        passed.
      </Text>
      <Inline space="space.100" alignBlock="end">
        <Stack space="space.050">
          <Label labelFor="since">From</Label>
          <DatePicker id="since" name="since" value={since} onChange={(value: string) => setSince(value)} />
        </Stack>
        <Stack space="space.050">
          <Label labelFor="until">To</Label>
          <DatePicker id="until" name="until" value={until} onChange={(value: string) => setUntil(value)} />
        </Stack>
        <Button appearance="primary" onClick={() => void loadPeriod()}>
          Show evidence
        </Button>
      </Inline>
      {result?.error ? (
        <SectionMessage appearance="error">
          <Text>{result.error}</Text>
        </SectionMessage>
      ) : null}
      {result?.data ? <EvidencePeriod data={result.data} /> : null}
    </Stack>
  );
}

function Changes({ view }: { view: DashboardViewModel }) {
  if (view.history.length === 0) return <Text>No outcome changed in the last 30 days.</Text>;
  return (
    <DynamicTable
      caption="Recent changes (30 days)"
      head={{
        cells: [
          { key: 'at', content: 'When' },
          { key: 'what', content: 'Where' },
          { key: 'control', content: 'Control' },
          { key: 'change', content: 'Change' },
          { key: 'cause', content: 'Cause' },
        ],
      }}
      rows={view.history.map((entry, i) => ({
        key: `h-${i}`,
        cells: [
          { key: 'at', content: entry.at },
          { key: 'what', content: entry.subjectName },
          { key: 'control', content: view.controls[entry.control]?.title ?? entry.control },
          { key: 'change', content: `${entry.from ?? '—'} → ${entry.to ?? '—'}` },
          { key: 'cause', content: `${entry.cause}${entry.actor ? ` (by ${entry.actor})` : ''}` },
        ],
      }))}
      rowsPerPage={25}
    />
  );
}
