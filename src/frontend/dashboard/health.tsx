/**
 * The dashboard's Health tab (administrators): the errors Bitbucket answered the app with in the last 7 days,
 * filterable by operation and status, each with its details; and "Test connection", which reads once per scope the
 * app needs and says, in plain words, what is granted, what is missing and which controls that leaves unchecked.
 */
import React, { useState } from 'react';
import { z } from 'zod';
import { Button, DynamicTable, Heading, Inline, Label, Lozenge, SectionMessage, Select, Stack, Text } from '@forge/react';
import type { ConnectionView, HealthView } from '../../contract/resolvers';
import { Loading, LoadError } from '../shared/states';
import { callResolver, useResolver } from '../shared/use-resolver';
import { timeElement, useClock } from '../shared/people-and-times';

type Failure = HealthView['failures'][number];
type Option = { label: string; value: string };
const ANY = '';
/** What a Select hands its onChange: the picked option, or null. */
const Picked = z.object({ value: z.string() }).nullable().catch(null);

/** What a status means, in words. */
export function statusText(status: number | null, kind: string): string {
  if (status === null) return kind === 'upstream' ? 'no answer (network)' : kind;
  if (status === 401) return '401 not authorised';
  if (status === 403) return '403 refused';
  if (status === 404) return '404 not found';
  if (status === 429) return '429 rate limited';
  if (status >= 500) return `${status} Bitbucket error`;
  return String(status);
}

export function filterFailures(failures: readonly Failure[], filters: { operation: string; status: string }): Failure[] {
  return failures.filter(
    (failure) =>
      (filters.operation === ANY || failure.operation === filters.operation) &&
      (filters.status === ANY || String(failure.status ?? failure.kind) === filters.status),
  );
}

function Filters({ failures, set }: { failures: readonly Failure[]; set: (change: { operation?: string; status?: string }) => void }) {
  const operations: Option[] = [
    { label: 'Every operation', value: ANY },
    ...[...new Set(failures.map((f) => f.operation))].map((o) => ({ label: o, value: o })),
  ];
  const statuses: Option[] = [
    { label: 'Every status', value: ANY },
    ...[...new Map(failures.map((f) => [String(f.status ?? f.kind), statusText(f.status, f.kind)]))].map(([value, label]) => ({
      label,
      value,
    })),
  ];
  const value = (event: unknown) => Picked.parse(event)?.value ?? ANY;
  return (
    <Inline space="space.100" shouldWrap>
      <Stack space="space.050">
        <Label labelFor="health-operation">Operation</Label>
        <Select inputId="health-operation" options={operations} onChange={(event) => set({ operation: value(event) })} />
      </Stack>
      <Stack space="space.050">
        <Label labelFor="health-status">Status</Label>
        <Select inputId="health-status" options={statuses} onChange={(event) => set({ status: value(event) })} />
      </Stack>
    </Inline>
  );
}

function FailureTable({ failures, open }: { failures: readonly Failure[]; open: (failure: Failure) => void }) {
  const clock = useClock();
  return (
    <DynamicTable
      label="Errors from Bitbucket"
      head={{
        cells: [
          { key: 'at', content: 'When' },
          { key: 'operation', content: 'Operation' },
          { key: 'status', content: 'Status' },
          { key: 'repository', content: 'Repository' },
          { key: 'details', content: '' },
        ],
      }}
      rows={failures.map((failure, index) => ({
        key: `failure-${index}`,
        cells: [
          { key: 'at', content: timeElement(failure.at, clock) },
          { key: 'operation', content: failure.operation },
          { key: 'status', content: statusText(failure.status, failure.kind) },
          { key: 'repository', content: failure.repository ?? 'the workspace' },
          { key: 'details', content: <Button onClick={() => open(failure)}>Details</Button> },
        ],
      }))}
      rowsPerPage={20}
    />
  );
}

function FailureLog() {
  const { load, reload } = useResolver('health/get', {});
  const [filters, setFilters] = useState({ operation: ANY, status: ANY });
  const [open, setOpen] = useState<Failure | null>(null);
  if (load.state === 'loading') return <Loading what="the errors of the last 7 days" />;
  if (load.state === 'error') return <LoadError message={load.message} code={load.code} onRetry={reload} />;
  const { failures, truncated } = load.data;
  if (failures.length === 0) return <Text>Bitbucket answered every request of the last 7 days without an error.</Text>;
  const shown = filterFailures(failures, filters);
  return (
    <Stack space="space.100">
      <Filters failures={failures} set={(change) => setFilters({ ...filters, ...change })} />
      <Text>{`${shown.length} of ${failures.length} errors${truncated ? ' (the newest 500)' : ''}`}</Text>
      <FailureTable failures={shown} open={setOpen} />
      {open ? (
        <SectionMessage appearance="information" title={`${open.operation}: ${statusText(open.status, open.kind)}`}>
          <Text>{open.message}</Text>
          <Text>{`Request: ${open.path}`}</Text>
          <Button onClick={() => setOpen(null)}>Close</Button>
        </SectionMessage>
      ) : null}
    </Stack>
  );
}

const ANSWER = {
  granted: { label: 'granted', appearance: 'success' },
  refused: { label: 'missing', appearance: 'removed' },
  unknown: { label: 'could not tell', appearance: 'moved' },
} as const;

type Probe = ConnectionView['probes'][number];

/** One read's answer in a sentence: readable, or what is missing and what that leaves unchecked. */
export function probeLine(probe: Probe): string {
  if (probe.answer === 'granted') return `${probe.what}: readable (${probe.scope}).`;
  if (probe.answer === 'refused')
    return `${probe.what}: refused — the app's ${probe.scope} is not granted here${probe.controls.length > 0 ? `, so ${probe.controls.join(', ')} cannot be checked` : ''}.`;
  return `${probe.what}: Bitbucket did not answer (${probe.status ?? 'no status'}); try again in a minute.`;
}

function headroomLine(view: ConnectionView): string {
  const left = Math.max(0, view.hourlyLimit - view.requestsLastHour);
  return `Rate limit: the app made ${view.requestsLastHour} of Bitbucket's ${view.hourlyLimit} requests in the last hour; ${left} left (its own budget is ${view.hourlyBudget}).`;
}

/** The answer of Test connection, a line per read, then the hour's headroom. */
export function connectionLines(view: ConnectionView): string[] {
  if (view.listing !== 'granted')
    return [
      `The app could not list the workspace's repositories (${view.listing === 'refused' ? 'refused' : 'no answer'}): nothing can be checked.`,
    ];
  return [...view.probes.map(probeLine), headroomLine(view)];
}

function TestConnection() {
  const [result, setResult] = useState<{ view?: ConnectionView; error?: string } | null>(null);
  const [running, setRunning] = useState(false);
  const test = async () => {
    setRunning(true);
    const answer = await callResolver('health/test', {});
    setRunning(false);
    setResult(answer.ok ? { view: answer.data } : { error: answer.error.message });
  };
  const view = result?.view;
  return (
    <Stack space="space.100">
      <Inline>
        <Button appearance="primary" onClick={() => void test()} isDisabled={running}>
          {running ? 'Testing…' : 'Test connection'}
        </Button>
      </Inline>
      {result?.error ? (
        <SectionMessage appearance="error">
          <Text>{result.error}</Text>
        </SectionMessage>
      ) : null}
      {view ? (
        <Stack space="space.050">
          {view.listing === 'granted' ? (
            view.probes.map((probe) => (
              <Inline key={probe.what} space="space.100" alignBlock="center">
                <Lozenge appearance={ANSWER[probe.answer].appearance}>{ANSWER[probe.answer].label}</Lozenge>
                <Text>{probeLine(probe)}</Text>
              </Inline>
            ))
          ) : (
            <Text>{connectionLines(view)[0]}</Text>
          )}
          <Text>{headroomLine(view)}</Text>
        </Stack>
      ) : null}
    </Stack>
  );
}

export function Health() {
  return (
    <Stack space="space.200">
      <Heading size="small">Connection</Heading>
      <Text>One read per permission Attest needs, as the app, and what is left of Bitbucket's hourly limit.</Text>
      <TestConnection />
      <Heading size="small">Errors from Bitbucket (7 days)</Heading>
      <FailureLog />
    </Stack>
  );
}
