/**
 * The workspace compliance dashboard (`bitbucket:workspaceGlobalPage`): score and outcomes, pass rate per
 * control, frameworks, repositories (search, filters, pages, drill-down), what needs attention
 * (could not be checked, excepted, advisory), recent changes, evidence for a period, freshness and "Scan
 * now". It reads stored state through resolvers; it never calls Bitbucket for verdicts.
 */
import React, { useState } from 'react';
import { Button, EmptyState, Heading, Inline, SectionMessage, Stack, Tab, TabList, TabPanel, Tabs, Text } from '@forge/react';
import { Loading, LoadError } from '../shared/states';
import { Overview } from './overview';
import { RepositoriesTab } from './repositories';
import { Frameworks } from './frameworks';
import { Evidence } from './evidence';
import { Changes } from './changes';
import { Health } from './health';
import { AccessReviews } from './access-reviews';
import { DeliveryTab } from './delivery';
import { useResolver } from '../shared/use-resolver';
import { ClockProvider, useWhen } from '../shared/people-and-times';
import { progressStatement } from '../shared/progress';

import type { DashboardViewModel } from './view-model';

export function Dashboard() {
  const { load, reload } = useResolver('dashboard/get', {});
  if (load.state === 'loading') return <Loading what="the workspace compliance dashboard" />;
  if (load.state === 'error') return <LoadError message={load.message} code={load.code} onRetry={reload} />;
  return (
    <ClockProvider now={load.data.now}>
      <DashboardBody view={load.data} reload={reload} />
    </ClockProvider>
  );
}

const REPOSITORIES_TAB = 1;
const HEALTH_TAB = 5;
const ACCESS_TAB = 6;
const DELIVERY_TAB = 7;

/**
 * The tabs. The repository rows and the Health tab are read when their tab is first opened, not with the
 * overview: at 10,000 repositories the rows are 2.4 MiB of KVS reads, which most visits never need.
 */
function DashboardTabs({ view, summary }: { view: DashboardViewModel; summary: NonNullable<DashboardViewModel['summary']> }) {
  const [opened, setOpened] = useState<ReadonlySet<number>>(new Set());
  return (
    <Tabs id="dashboard-tabs" onChange={(index: number) => setOpened((current) => new Set([...current, index]))}>
      <TabList>
        <Tab>Overview</Tab>
        <Tab>Repositories</Tab>
        <Tab>Frameworks</Tab>
        <Tab>Evidence</Tab>
        <Tab>Changes</Tab>
        <Tab>Health</Tab>
        <Tab>Access reviews</Tab>
        <Tab>Delivery</Tab>
      </TabList>
      <TabPanel>
        <Overview view={view} summary={summary} />
      </TabPanel>
      <TabPanel>
        {opened.has(REPOSITORIES_TAB) ? <RepositoriesTab controls={view.controls} /> : <Loading what="the repositories" />}
      </TabPanel>
      <TabPanel>
        <Frameworks summary={summary} controls={view.controls} />
      </TabPanel>
      <TabPanel>
        <Evidence />
      </TabPanel>
      <TabPanel>
        <Changes view={view} />
      </TabPanel>
      <TabPanel>{opened.has(HEALTH_TAB) ? <Health /> : <Loading what="the connection's health" />}</TabPanel>
      <TabPanel>{opened.has(ACCESS_TAB) ? <AccessReviews /> : <Loading what="the access reviews" />}</TabPanel>
      <TabPanel>{opened.has(DELIVERY_TAB) ? <DeliveryTab /> : <Loading what="the delivery metrics" />}</TabPanel>
    </Tabs>
  );
}

/** Right after install, before the first summary: where the install scan stands. */
function FirstScan({ view, reload }: { view: DashboardViewModel; reload: () => void }) {
  const whenText = useWhen();
  const progress = progressStatement({
    evaluated: 0,
    repositories: view.freshness.repositories,
    hoursPerFullPass: view.freshness.hoursPerFullPass,
  });
  return (
    <Stack space="space.200">
      <EmptyState
        header="The first scan has not finished yet"
        description={
          view.freshness.installedAt
            ? `Attest was installed ${whenText(view.freshness.installedAt)} and is reading every repository of the workspace. ${progress} The first results appear here within about 15 minutes.`
            : 'Attest reads every repository of the workspace after it is installed. The first results appear here within about 15 minutes.'
        }
      />
      <Inline>
        <Button onClick={reload}>Refresh</Button>
      </Inline>
    </Stack>
  );
}

function DashboardBody({ view, reload }: { view: DashboardViewModel; reload: () => void }) {
  if (view.summary === null) return <FirstScan view={view} reload={reload} />;
  const partial = view.summary.evaluated < view.summary.repositories;
  return (
    <Stack space="space.200">
      <Heading size="large">Workspace compliance</Heading>
      {partial ? (
        <SectionMessage appearance="information" title="Results are still coming in">
          <Text>
            {progressStatement({
              evaluated: view.summary.evaluated,
              repositories: Math.max(view.summary.repositories, view.freshness.repositories),
              hoursPerFullPass: view.freshness.hoursPerFullPass,
            })}{' '}
            The figures below cover the repositories evaluated so far.
          </Text>
        </SectionMessage>
      ) : null}
      <DashboardTabs view={view} summary={view.summary} />
    </Stack>
  );
}
