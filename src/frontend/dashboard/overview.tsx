/**
 * The dashboard's overview tab: score and outcomes, the workspace controls, pass rate per control, what
 * needs attention (could not be checked, excepted, advisory), freshness and "Scan now".
 */
import React, { useState } from 'react';
import { BarChart, Button, DynamicTable, Heading, Inline, Lozenge, SectionMessage, Stack, Text } from '@forge/react';
import { callResolver } from '../shared/use-resolver';
import { OUTCOME_APPEARANCE, OUTCOME_LABEL } from '../shared/outcomes';
import type { DashboardViewModel } from './view-model';
import { personElement, useClock, useWhen } from '../shared/people-and-times';
import { day } from '../shared/when';

export type Summary = NonNullable<DashboardViewModel['summary']>;
type Title = (id: string) => string;

function OutcomeSummary({ summary }: { summary: Summary }) {
  return (
    <>
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
    </>
  );
}

function WorkspaceControls({ view, title }: { view: DashboardViewModel; title: Title }) {
  return (
    <>
      <Heading size="small">Workspace controls</Heading>
      {view.workspaceResults.map((result) => (
        <Inline key={result.control} space="space.100" alignBlock="center">
          <Lozenge appearance={OUTCOME_APPEARANCE[result.outcome]}>{OUTCOME_LABEL[result.outcome]}</Lozenge>
          <Text>
            {title(result.control)}: {result.message}
          </Text>
        </Inline>
      ))}
    </>
  );
}

function PassRates({ summary, title }: { summary: Summary; title: Title }) {
  return (
    <>
      <Heading size="small">Pass rate per control</Heading>
      <BarChart
        data={summary.controlRates
          .filter((rate) => rate.rate !== null)
          .map((rate) => ({ control: title(rate.control), percent: Math.round((rate.rate ?? 0) * 100) }))}
        xAccessor="control"
        yAccessor="percent"
        title="Share of subjects where the control holds (%)"
      />
    </>
  );
}

function NotEvaluable({ summary, title }: { summary: Summary; title: Title }) {
  return (
    <>
      <Heading size="small">Could not be checked ({summary.attention.notEvaluable.length})</Heading>
      {summary.attention.notEvaluable.length === 0 ? (
        <Text>Every control could be read.</Text>
      ) : (
        <DynamicTable
          label="Results that could not be checked"
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
    </>
  );
}

function Excepted({ summary, title, people }: { summary: Summary; title: Title; people: Record<string, string> }) {
  const { viewer } = useClock();
  return (
    <>
      <Heading size="small">Excepted ({summary.attention.excepted.length})</Heading>
      {summary.attention.excepted.length === 0 ? (
        <Text>No exceptions apply.</Text>
      ) : (
        <DynamicTable
          label="Excepted results"
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
              { key: 'a', content: item.approvedBy ? personElement(item.approvedBy, people) : '—' },
              {
                key: 'u',
                content: item.expired ? (
                  <Lozenge appearance="removed">{`expired ${day(item.expiresOn, viewer)}`}</Lozenge>
                ) : (
                  day(item.expiresOn, viewer)
                ),
              },
            ],
          }))}
          rowsPerPage={10}
        />
      )}
    </>
  );
}

function Advisory({ summary, title }: { summary: Summary; title: Title }) {
  return (
    <>
      <Heading size="small">Advisory: configured but not enforced ({summary.attention.advisory.length})</Heading>
      <Text>
        {summary.attention.advisory.length === 0
          ? 'Every configured merge check is enforced.'
          : 'These merge checks only warn: Bitbucket enforces them only with an enforce_merge_checks restriction (Premium).'}
      </Text>
      {summary.attention.advisory.length > 0 ? (
        <DynamicTable
          label="Merge checks that only warn"
          head={{
            cells: [
              { key: 'subject', content: 'Repository' },
              { key: 'control', content: 'Control' },
              { key: 'missing', content: 'What is missing' },
            ],
          }}
          rows={summary.attention.advisory.map((item, i) => ({
            key: `ad-${i}`,
            cells: [
              { key: 's', content: item.subject },
              { key: 'c', content: title(item.control) },
              { key: 'm', content: 'Set up as a merge check that only warns: add an enforce_merge_checks restriction to the branch' },
            ],
          }))}
          rowsPerPage={10}
        />
      ) : null}
    </>
  );
}

/** What the app has spent of Bitbucket's hour, and what waits when the scans' share is used up. */
function hourStatement(freshness: { requestsLastHour: number; scanShare: number; hourlyBudget: number }): string {
  const spent = `In the last hour the app made ${freshness.requestsLastHour} of its ${freshness.hourlyBudget} requests to Bitbucket.`;
  if (freshness.requestsLastHour < freshness.scanShare) return spent;
  return `${spent} Scans have used their share (${freshness.scanShare}): evaluations wait for room and catch up within the hour; results keep the time they were last evaluated. Merge checks and pull-request updates still run.`;
}

function Freshness({ view, summary }: { view: DashboardViewModel; summary: Summary }) {
  const { freshness } = view;
  const [scanMessage, setScanMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const whenText = useWhen();
  const scanNow = async () => {
    const answer = await callResolver('scan/now', {});
    setScanMessage(
      answer.ok ? { ok: true, text: 'Scan queued: results update over the next minutes.' } : { ok: false, text: answer.error.message },
    );
  };
  return (
    <>
      <Heading size="small">Freshness</Heading>
      <Text>
        Oldest result: {summary.oldestEvaluatedAt ? whenText(summary.oldestEvaluatedAt) : 'not every repository is evaluated yet'}. Last
        plan: {freshness.lastPlanAt ? whenText(freshness.lastPlanAt) : 'none'}. A full pass takes about {freshness.hoursPerFullPass ?? '—'}{' '}
        hours at {freshness.hourlyBudget} requests an hour
        {freshness.rateLimitedAt ? `; Bitbucket rate-limited the app ${whenText(freshness.rateLimitedAt)}` : ''}.
      </Text>
      <Text>{hourStatement(freshness)}</Text>
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
    </>
  );
}

export function Overview({ view, summary }: { view: DashboardViewModel; summary: Summary }) {
  const title = (id: string) => view.controls[id]?.title ?? id;
  return (
    <Stack space="space.200">
      <OutcomeSummary summary={summary} />
      <WorkspaceControls view={view} title={title} />
      <PassRates summary={summary} title={title} />
      <NotEvaluable summary={summary} title={title} />
      <Excepted summary={summary} title={title} people={view.people} />
      <Advisory summary={summary} title={title} />
      <Freshness view={view} summary={summary} />
    </Stack>
  );
}
