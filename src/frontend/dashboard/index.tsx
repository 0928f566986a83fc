/**
 * The workspace compliance dashboard (`bitbucket:workspaceGlobalPage`). Reads the stored workspace state
 * through `dashboard/get`; it never calls Bitbucket and never recomputes.
 */
import React from 'react';
import ForgeReconciler, { DynamicTable, EmptyState, Heading, Lozenge, SectionMessage, Stack, Text } from '@forge/react';
import { Loading, LoadError } from '../shared/states';
import { useResolver } from '../shared/use-resolver';
import { DashboardView, type DashboardViewModel } from './view-model';

export function Dashboard() {
  const { load, reload } = useResolver('dashboard/get', {}, DashboardView);
  if (load.state === 'loading') return <Loading what="the workspace compliance dashboard" />;
  if (load.state === 'error') return <LoadError message={load.message} onRetry={reload} />;
  return <DashboardBody view={load.data} />;
}

function DashboardBody({ view }: { view: DashboardViewModel }) {
  if (view.lastScanAt === null && view.repositories.length === 0) {
    return (
      <EmptyState
        header="The first scan has not finished yet"
        description="Attest reads every repository of the workspace after it is installed. Results appear here when that scan finishes, usually within minutes."
      />
    );
  }
  return (
    <Stack space="space.200">
      <Heading size="large">Workspace compliance</Heading>
      <Text>
        {view.repositories.length} repositories observed. Last scan: {view.lastScanAt ?? 'not yet'}
        {view.lastScanCause ? ` (${view.lastScanCause})` : ''}.
      </Text>
      {view.truncated ? (
        <SectionMessage appearance="warning" title="Not every repository was read">
          <Text>The repository list was longer than one scan reads; the remaining repositories are read on the next run.</Text>
        </SectionMessage>
      ) : null}
      <DynamicTable
        caption="Repositories"
        head={{ cells: [{ key: 'slug', content: 'Repository', isSortable: true }, { key: 'project', content: 'Project', isSortable: true }, { key: 'private', content: 'Visibility' }, { key: 'main', content: 'Main branch' }, { key: 'seen', content: 'Last read', isSortable: true }] }}
        rows={view.repositories.map((repository) => ({
          key: repository.uuid,
          cells: [
            { key: repository.slug, content: repository.slug },
            { key: repository.projectKey ?? '', content: repository.projectKey ?? '—' },
            {
              key: String(repository.isPrivate),
              content:
                repository.isPrivate === null ? <Lozenge appearance="default">unknown</Lozenge> : repository.isPrivate ? <Lozenge appearance="success">private</Lozenge> : <Lozenge appearance="removed">public</Lozenge>,
            },
            { key: repository.mainBranch ?? '', content: repository.mainBranch ?? 'empty repository' },
            { key: repository.observedAt, content: repository.observedAt },
          ],
        }))}
        rowsPerPage={25}
        emptyView={<Text>No repositories observed yet.</Text>}
      />
    </Stack>
  );
}

ForgeReconciler.render(
  <React.StrictMode>
    <Dashboard />
  </React.StrictMode>,
);
