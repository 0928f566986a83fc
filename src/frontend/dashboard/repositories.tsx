/** The dashboard's Repositories tab: search, filters, pages and a repository's details. */
import React, { useState } from 'react';
import { router } from '@forge/bridge';
import { Button, DynamicTable, Heading, Inline, Label, Lozenge, SectionMessage, Select, Stack, Text, Textfield } from '@forge/react';
import { Loading, LoadError } from '../shared/states';
import { callResolver, useResolver } from '../shared/use-resolver';
import { OUTCOME_APPEARANCE, OUTCOME_LABEL } from '../shared/outcomes';
import { timeElement, useClock } from '../shared/people-and-times';

import { filterRows, NO_FILTERS, projectsOf, type DashboardViewModel, type Filters, type Row } from './view-model';

export function RepositoriesTab({ controls }: { controls: DashboardViewModel['controls'] }) {
  const { load, reload } = useResolver('dashboard/repositories', {});
  if (load.state === 'loading') return <Loading what="the repositories" />;
  if (load.state === 'error') return <LoadError message={load.message} code={load.code} onRetry={reload} />;
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

function failingCell(row: Row, controls: DashboardViewModel['controls']): string {
  if (row.failing.length > 0) return row.failing.map((id) => controls[id]?.title ?? id).join('; ');
  return row.counts['not-evaluable'] > 0 ? `none failing; ${row.counts['not-evaluable']} could not be checked` : 'none';
}

function RepositoryTable({
  visible,
  page,
  setPage,
  open,
  controls,
}: {
  visible: Row[];
  page: number;
  setPage: (page: number) => void;
  open: (row: Row) => void;
  controls: DashboardViewModel['controls'];
}) {
  const clock = useClock();
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
              { key: row.failing.length, content: failingCell(row, controls) },
              { key: row.evaluatedAt ?? '', content: timeElement(row.evaluatedAt, clock, { missing: 'not yet' }) },
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

/**
 * Every result of the repositories the person can read, as a file (the `attest scan` CSV or JSON): a one-time link
 * to the app's web trigger, opened in a new tab (UI Kit has no file download).
 */
function FindingsDownloads() {
  const [state, setState] = useState<{ opened?: string; error?: string } | null>(null);
  const download = async (format: 'csv' | 'json') => {
    const answer = await callResolver('findings/download', { format });
    if (!answer.ok) return setState({ error: answer.error.message });
    await router.open(answer.data.url);
    setState({ opened: answer.data.filename });
  };
  return (
    <Stack space="space.100">
      <Inline space="space.100">
        <Button onClick={() => void download('csv')}>Download findings (CSV)</Button>
        <Button onClick={() => void download('json')}>Download findings (JSON)</Button>
      </Inline>
      {state?.opened ? <Text>{`Downloading ${state.opened} in a new tab.`}</Text> : null}
      {state?.error ? (
        <SectionMessage appearance="error">
          <Text>{state.error}</Text>
        </SectionMessage>
      ) : null}
    </Stack>
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
      <RepositoryTable visible={visible} page={page} setPage={setPage} open={setSelected} controls={controls} />
      {selected ? <RepositoryDetails row={selected} controls={controls} onClose={() => setSelected(null)} /> : null}
      <FindingsDownloads />
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
      {load.state === 'error' ? <LoadError message={load.message} code={load.code} onRetry={reload} /> : null}
      {load.state === 'ready'
        ? (load.data.repository?.results ?? []).map((result) => (
            <Stack key={result.control} space="space.050">
              <Inline space="space.100" alignBlock="center">
                <Lozenge appearance={OUTCOME_APPEARANCE[result.outcome]}>{OUTCOME_LABEL[result.outcome]}</Lozenge>
                {result.enforced === false ? <Lozenge appearance="moved">advisory</Lozenge> : null}
                <Text>
                  {controls[result.control]?.title ?? result.control} ({result.control}): {result.message}
                </Text>
              </Inline>
              {result.remediation ? <Text>How to fix it: {result.remediation.join(' ')}</Text> : null}
            </Stack>
          ))
        : null}
    </Stack>
  );
}
