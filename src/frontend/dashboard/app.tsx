/**
 * The workspace compliance dashboard (`bitbucket:workspaceGlobalPage`). Reads the stored workspace state
 * through `dashboard/get`; it never calls Bitbucket and never recomputes.
 */
import React from 'react';
import { DynamicTable, EmptyState, Heading, Lozenge, SectionMessage, Stack, Text } from '@forge/react';
import { Loading, LoadError } from '../shared/states';
import { useResolver } from '../shared/use-resolver';
import { OUTCOME_APPEARANCE } from '../shared/outcomes';
import { DashboardView, type DashboardViewModel } from './view-model';

export function Dashboard() {
  const { load, reload } = useResolver('dashboard/get', {}, DashboardView);
  if (load.state === 'loading') return <Loading what="the workspace compliance dashboard" />;
  if (load.state === 'error') return <LoadError message={load.message} onRetry={reload} />;
  return <DashboardBody view={load.data} />;
}

function DashboardBody({ view }: { view: DashboardViewModel }) {
  if (view.summary === null) {
    return (
      <EmptyState
        header="The first scan has not finished yet"
        description="Attest reads every repository of the workspace after it is installed. Results appear here when that scan finishes, usually within minutes."
      />
    );
  }
  const { summary, freshness } = view;
  return (
    <Stack space="space.200">
      <Heading size="large">Workspace compliance</Heading>
      <Text>
        Score {summary.score ?? '—'} · {summary.outcomes.pass} pass · {summary.outcomes.fail} fail · {summary.outcomes['not-evaluable']} could not be checked · {summary.outcomes['not-applicable']} not applicable
      </Text>
      <Text>
        {summary.evaluated} of {summary.repositories} repositories evaluated. Oldest result: {summary.oldestEvaluatedAt ?? 'some repositories are not evaluated yet'}. A full pass takes about{' '}
        {freshness.hoursPerFullPass ?? '—'} hours at {freshness.hourlyBudget} requests an hour.
      </Text>
      {freshness.truncated ? (
        <SectionMessage appearance="warning" title="Not every repository was read">
          <Text>The repository list was longer than one scan reads; the remaining repositories are read on later runs.</Text>
        </SectionMessage>
      ) : null}
      {view.workspaceResults.map((result) => (
        <Text key={result.control}>
          <Lozenge appearance={OUTCOME_APPEARANCE[result.outcome]}>{result.outcome}</Lozenge> {result.control}: {result.message}
        </Text>
      ))}
      <DynamicTable
        caption="Repositories"
        head={{ cells: [{ key: 'slug', content: 'Repository', isSortable: true }, { key: 'project', content: 'Project', isSortable: true }, { key: 'class', content: 'Classification' }, { key: 'score', content: 'Score', isSortable: true }, { key: 'failing', content: 'Failing controls' }, { key: 'seen', content: 'Last evaluated', isSortable: true }] }}
        rows={view.repositories.map((repository) => ({
          key: repository.uuid,
          cells: [
            { key: repository.slug, content: repository.slug },
            { key: repository.project ?? '', content: repository.project ?? '—' },
            { key: repository.classification, content: repository.classification },
            { key: String(repository.score ?? -1), content: repository.score === null ? '—' : String(repository.score) },
            { key: repository.failing.join(' '), content: repository.failing.length === 0 ? 'none' : repository.failing.join(', ') },
            { key: repository.evaluatedAt ?? '', content: repository.evaluatedAt ?? 'not yet' },
          ],
        }))}
        rowsPerPage={25}
        emptyView={<Text>No repositories yet.</Text>}
      />
    </Stack>
  );
}
