/**
 * The workspace compliance dashboard (`bitbucket:workspaceGlobalPage`): score and outcomes, pass rate per
 * control, frameworks, repositories (search, filters, pages, drill-down), what needs attention
 * (could not be checked, excepted, advisory), recent changes, evidence for a period, freshness and "Scan
 * now". It reads stored state through resolvers; it never calls Bitbucket for verdicts.
 */
import React, { useState } from 'react';
import {
  BarChart,
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
import { z } from 'zod';
import { Loading, LoadError } from '../shared/states';
import { callResolver, useResolver } from '../shared/use-resolver';
import { OUTCOME_APPEARANCE, OUTCOME_LABEL } from '../shared/outcomes';
import {
  DashboardView,
  FRAMEWORK_NAMES,
  filterRows,
  NO_FILTERS,
  projectsOf,
  RepositoriesView,
  type DashboardViewModel,
  type Filters,
  type Row,
} from './view-model';

export function Dashboard() {
  const { load, reload } = useResolver('dashboard/get', {}, DashboardView);
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

type Summary = NonNullable<DashboardViewModel['summary']>;

function Overview({ view, summary }: { view: DashboardViewModel; summary: Summary }) {
  const { freshness } = view;
  const [scanMessage, setScanMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const title = (id: string) => view.controls[id]?.title ?? id;
  const scanNow = async () => {
    const answer = await callResolver('scan/now', {});
    setScanMessage(
      answer.ok ? { ok: true, text: 'Scan queued: results update over the next minutes.' } : { ok: false, text: answer.error.message },
    );
  };
  return (
    <Stack space="space.200">
      <Heading size="medium">Score {summary.score ?? '—'}</Heading>
      <Inline space="space.100">
        <Lozenge appearance="success">{summary.outcomes.pass} pass</Lozenge>
        <Lozenge appearance="removed">{summary.outcomes.fail} fail</Lozenge>
        <Lozenge appearance="moved">{summary.outcomes['not-evaluable']} could not check</Lozenge>
        <Lozenge appearance="default">{summary.outcomes['not-applicable']} not applicable</Lozenge>
      </Inline>
      <Text>
        Critical controls weigh 10, high 5, medium 3, low 1; results that could not be checked are left out of the score and listed below.
      </Text>
      <Heading size="small">Workspace controls</Heading>
      {view.workspaceResults.map((result) => (
        <Inline key={result.control} space="space.100" alignBlock="center">
          <Lozenge appearance={OUTCOME_APPEARANCE[result.outcome]}>{OUTCOME_LABEL[result.outcome]}</Lozenge>
          <Text>
            {title(result.control)}: {result.message}
          </Text>
        </Inline>
      ))}
      <Heading size="small">Pass rate per control</Heading>
      <BarChart
        data={summary.controlRates
          .filter((rate) => rate.rate !== null)
          .map((rate) => ({ control: rate.control, percent: Math.round((rate.rate ?? 0) * 100) }))}
        xAccessor="control"
        yAccessor="percent"
        title="Share of subjects where the control holds (%)"
      />
      <Heading size="small">Could not be checked ({summary.attention.notEvaluable.length})</Heading>
      {summary.attention.notEvaluable.length === 0 ? (
        <Text>Every control could be read.</Text>
      ) : (
        <DynamicTable
          caption="Results that could not be checked"
          head={{
            cells: [
              { key: 'subject', content: 'Where' },
              { key: 'control', content: 'Control' },
              { key: 'why', content: 'Why' },
              { key: 'fix', content: 'How to fix it' },
            ],
          }}
          rows={summary.attention.notEvaluable.map((item, i) => ({
            key: `ne-${i}`,
            cells: [
              { key: 's', content: item.subject },
              { key: 'c', content: title(item.control) },
              { key: 'w', content: item.message },
              { key: 'f', content: item.fix ?? '—' },
            ],
          }))}
          rowsPerPage={10}
        />
      )}
      <Heading size="small">Excepted ({summary.attention.excepted.length})</Heading>
      {summary.attention.excepted.length === 0 ? (
        <Text>No exceptions apply.</Text>
      ) : (
        <DynamicTable
          caption="Excepted results"
          head={{
            cells: [
              { key: 'subject', content: 'Where' },
              { key: 'control', content: 'Control' },
              { key: 'reason', content: 'Why' },
              { key: 'who', content: 'Approved by' },
              { key: 'until', content: 'Until' },
            ],
          }}
          rows={summary.attention.excepted.map((item, i) => ({
            key: `ex-${i}`,
            cells: [
              { key: 's', content: item.subject },
              { key: 'c', content: title(item.control) },
              { key: 'r', content: item.reason },
              { key: 'a', content: item.approvedBy },
              { key: 'u', content: item.expired ? <Lozenge appearance="removed">{`expired ${item.expiresOn}`}</Lozenge> : item.expiresOn },
            ],
          }))}
          rowsPerPage={10}
        />
      )}
      <Heading size="small">Advisory: configured but not enforced ({summary.attention.advisory.length})</Heading>
      <Text>
        {summary.attention.advisory.length === 0
          ? 'Every configured merge check is enforced.'
          : 'These merge checks only warn: Bitbucket enforces them only with an enforce_merge_checks restriction (Premium).'}
      </Text>
      {summary.attention.advisory.slice(0, 50).map((item, i) => (
        <Text key={`ad-${i}`}>
          {item.subject}: {title(item.control)}
        </Text>
      ))}
      <Heading size="small">Freshness</Heading>
      <Text>
        Oldest result: {summary.oldestEvaluatedAt ?? 'not every repository is evaluated yet'}. Last plan: {freshness.lastPlanAt ?? 'none'}.
        A full pass takes about {freshness.hoursPerFullPass ?? '—'} hours at {freshness.hourlyBudget} requests an hour
        {freshness.rateLimitedAt ? `; Bitbucket rate-limited the app at ${freshness.rateLimitedAt}` : ''}.
      </Text>
      {/* In an Inline: a Stack stretches its children, and a page-wide button reads as a banner. */}
      <Inline>
        <Button appearance="primary" onClick={() => void scanNow()}>
          Scan now
        </Button>
      </Inline>
      {scanMessage ? (
        <SectionMessage appearance={scanMessage.ok ? 'success' : 'warning'}>
          <Text>{scanMessage.text}</Text>
        </SectionMessage>
      ) : null}
    </Stack>
  );
}

function RepositoriesTab({ controls }: { controls: DashboardViewModel['controls'] }) {
  const { load, reload } = useResolver('dashboard/repositories', {}, RepositoriesView);
  if (load.state === 'loading') return <Loading what="the repositories" />;
  if (load.state === 'error') return <LoadError message={load.message} onRetry={reload} />;
  return <Repositories rows={load.data.repositories} controls={controls} />;
}

const PAGE = 20;

function option(value: string | null, label: string) {
  return { label, value: value ?? '' };
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
  const value = (event: unknown) => (event as { value?: string } | null)?.value || null;
  return (
    <Stack space="space.200">
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
      <Text>
        {visible.length} of {rows.length} repositories
      </Text>
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
              {
                key: row.failing.length,
                content:
                  row.failing.length === 0
                    ? row.counts['not-evaluable'] > 0
                      ? `none failing; ${row.counts['not-evaluable']} could not be checked`
                      : 'none'
                    : row.failing.join(', '),
              },
              { key: row.evaluatedAt ?? '', content: row.evaluatedAt ?? 'not yet' },
              { key: 'open', content: <Button onClick={() => setSelected(row)}>Details</Button> },
            ],
          }))}
          rowsPerPage={PAGE}
          page={page}
          onSetPage={(next: number) => setPage(next)}
          defaultSortKey="score"
          defaultSortOrder="ASC"
        />
      )}
      {selected ? <RepositoryDetails row={selected} controls={controls} onClose={() => setSelected(null)} /> : null}
    </Stack>
  );
}

function RepositoryDetails({ row, controls, onClose }: { row: Row; controls: DashboardViewModel['controls']; onClose: () => void }) {
  const { load, reload } = useResolver(
    'repository/get',
    { repositoryUuid: `{${row.uuid}}` },
    (data) =>
      data as {
        repository: {
          results: Array<{
            control: string;
            outcome: keyof typeof OUTCOME_APPEARANCE;
            message: string;
            remediation?: string[];
            enforced?: boolean;
          }> | null;
        } | null;
      },
  );
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

const EvidenceData = z.object({
  merged: z.number(),
  compliant: z.number(),
  share: z.number().nullable(),
  nonCompliant: z.array(
    z.object({
      repositorySlug: z.string(),
      pullRequestId: z.number(),
      title: z.string(),
      independentlyApproved: z.boolean(),
      passingBuild: z.boolean(),
      mergedAt: z.string(),
    }),
  ),
  csv: z.string(),
});
type EvidenceData = z.infer<typeof EvidenceData>;

export function Evidence() {
  const today = new Date().toISOString().slice(0, 10);
  const ninetyDaysAgo = new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10);
  const [since, setSince] = useState(ninetyDaysAgo);
  const [until, setUntil] = useState(today);
  const [result, setResult] = useState<{ data?: EvidenceData; error?: string } | null>(null);
  const loadPeriod = async () => {
    const answer = await callResolver('evidence/get', { since, until });
    if (!answer.ok) return setResult({ error: answer.error.message });
    const data = EvidenceData.safeParse(answer.data);
    setResult(data.success ? { data: data.data } : { error: 'Attest answered in an unexpected shape.' });
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
      {result?.data ? (
        <Stack space="space.100">
          <Text>
            {result.data.merged} pull requests merged; {result.data.compliant} compliant (
            {result.data.share === null ? '—' : `${Math.round(result.data.share * 100)}%`}).
          </Text>
          {result.data.nonCompliant.length === 0 ? (
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
              rows={result.data.nonCompliant.map((record) => ({
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
          <CodeBlock language="text" text={result.data.csv} />
        </Stack>
      ) : null}
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
