/** The dashboard's Evidence tab: the pull requests merged in a period, its coverage, and the files for the auditor. */
import React, { useState } from 'react';
import { router } from '@forge/bridge';
import { Button, DatePicker, DynamicTable, Heading, Inline, Label, Link, SectionMessage, Stack, Text } from '@forge/react';

import { callResolver } from '../shared/use-resolver';

import type { EvidenceView, LedgerCheck } from '../../contract/resolvers';
import { backfillStatement, coverageStatement } from '../../report/coverage';
import { timeElement, useClock } from '../shared/people-and-times';
import { day } from '../shared/when';

export { coverageStatement };

type EvidenceData = EvidenceView;

/**
 * Reading the period from Bitbucket when the ledger does not hold all of it: for administrators (it spends the
 * app's requests), in queue jobs; "Check progress" loads the period again.
 */
function Backfill({ data, reload }: { data: EvidenceData; reload: () => Promise<void> }) {
  const [error, setError] = useState<string | undefined>(undefined);
  const start = async () => {
    const answer = await callResolver('evidence/backfill', { since: data.since.slice(0, 10), until: data.until.slice(0, 10) });
    if (!answer.ok) return setError(answer.error.message);
    setError(undefined);
    await reload();
  };
  const progress = data.backfill ? backfillStatement(data.backfill) : null;
  return (
    <Stack space="space.100">
      {progress ? <Text>{progress.text}</Text> : null}
      <Inline space="space.100">
        {progress && !progress.finished ? (
          <Button onClick={() => void reload()}>Check progress</Button>
        ) : (
          <Button onClick={() => void start()}>Read this period from Bitbucket</Button>
        )}
      </Inline>
      <Failure message={error} />
    </Stack>
  );
}

function EvidencePeriod({ data, reload }: { data: EvidenceData; reload: () => Promise<void> }) {
  const clock = useClock();
  const { viewer } = clock;
  const coverage = coverageStatement(data.coverage, (instant) => day(instant, viewer));
  return (
    <Stack space="space.100">
      <SectionMessage appearance={coverage.complete ? 'information' : 'warning'}>
        <Text>{coverage.text}</Text>
      </SectionMessage>
      {coverage.complete && data.backfill === null ? null : <Backfill data={data} reload={reload} />}
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
              { key: 'why', content: 'Why it is not compliant' },
              { key: 'at', content: 'Merged' },
            ],
          }}
          rows={data.nonCompliant.map((record) => ({
            key: `${record.repositorySlug}-${record.pullRequestId}`,
            cells: [
              { key: 'repo', content: record.repositorySlug },
              {
                key: 'id',
                content: record.url ? (
                  <Link href={record.url}>{`#${record.pullRequestId} ${record.title}`}</Link>
                ) : (
                  `#${record.pullRequestId} ${record.title}`
                ),
              },
              { key: 'why', content: record.reason },
              { key: 'at', content: timeElement(record.mergedAt, clock) },
            ],
          }))}
          rowsPerPage={20}
        />
      )}
      <Downloads period={{ since: data.since, until: data.until }} />
    </Stack>
  );
}

const DOWNLOADS = [
  { format: 'csv', label: 'Download CSV' },
  { format: 'json', label: 'Download JSON (with hash chains)' },
  { format: 'summary', label: 'Download one-page summary' },
] as const;

/**
 * The period's evidence as files. UI Kit has no download component: the resolver grants a one-time link to
 * the app's web trigger, which answers with the file, and it opens in a new tab (`router.open`).
 */
function Downloads({ period }: { period: { since: string; until: string } }) {
  const [state, setState] = useState<{ opened?: string; error?: string } | null>(null);
  const download = async (format: (typeof DOWNLOADS)[number]['format']) => {
    const answer = await callResolver('evidence/download', { since: period.since.slice(0, 10), until: period.until.slice(0, 10), format });
    if (!answer.ok) return setState({ error: answer.error.message });
    await router.open(answer.data.url);
    setState({ opened: answer.data.filename });
  };
  return (
    <Stack space="space.100">
      <Heading size="small">For the auditor</Heading>
      <Inline space="space.100">
        {DOWNLOADS.map((item) => (
          <Button key={item.format} onClick={() => void download(item.format)}>
            {item.label}
          </Button>
        ))}
      </Inline>
      <Text>The same rows as `attest evidence` for this period. Each link works once, for 10 minutes.</Text>
      {state?.opened ? <Text>{`Downloading ${state.opened} in a new tab.`}</Text> : null}
      <Failure message={state?.error} />
    </Stack>
  );
}

/** A resolver's refusal or failure, in its own words. */
function Failure({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <SectionMessage appearance="error">
      <Text>{message}</Text>
    </SectionMessage>
  );
}

/** What the chains say, in a sentence per broken repository. */
export function verifyStatement(check: LedgerCheck): { intact: boolean; lines: string[] } {
  const broken = check.repositories.filter((repository) => repository.problem !== null);
  const lines = broken.map(
    (repository) => `${repository.slug}: ${repository.problem?.detail ?? ''} (position ${repository.problem?.seq ?? 'unknown'}).`,
  );
  const reached =
    check.unverified > 0
      ? ` ${check.unverified} repositories were not reached in time: run \`attest evidence verify\` for all of them.`
      : '';
  if (broken.length === 0)
    return {
      intact: check.unverified === 0,
      lines: [`${check.records} records in ${check.repositories.length} repositories match what was recorded.${reached}`],
    };
  return { intact: false, lines: [`${broken.length} repositories have evidence that no longer matches what was recorded:`, ...lines] };
}

function VerifyLedger() {
  const [result, setResult] = useState<{ check?: LedgerCheck; error?: string } | null>(null);
  const verify = async () => {
    const answer = await callResolver('evidence/verify', {});
    setResult(answer.ok ? { check: answer.data } : { error: answer.error.message });
  };
  const statement = result?.check ? verifyStatement(result.check) : null;
  return (
    <Stack space="space.100">
      <Inline space="space.100" alignBlock="center">
        <Button onClick={() => void verify()}>Verify the ledger</Button>
        <Text>Recomputes each repository's hash chain and names any record changed, removed or moved since it was kept.</Text>
      </Inline>
      <Failure message={result?.error} />
      {statement ? (
        <SectionMessage appearance={statement.intact ? 'success' : 'error'}>
          {statement.lines.map((line) => (
            <Text key={line}>{line}</Text>
          ))}
        </SectionMessage>
      ) : null}
    </Stack>
  );
}

/** The date `days` before an ISO date (a period is at most 400 days: the resolver refuses longer ones). */
function daysBefore(isoDay: string, days: number): string {
  const at = Date.parse(isoDay);
  return Number.isNaN(at) ? isoDay : new Date(at - days * 86_400_000).toISOString().slice(0, 10);
}

export function Evidence() {
  const today = new Date().toISOString().slice(0, 10);
  const ninetyDaysAgo = new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10);
  const [since, setSince] = useState(ninetyDaysAgo);
  const [until, setUntil] = useState(today);
  const [result, setResult] = useState<{ data?: EvidenceData; error?: string } | null>(null);
  const { viewer } = useClock();
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
          <Label labelFor="since">From (the first day)</Label>
          <DatePicker
            id="since"
            name="since"
            value={since}
            maxDate={until}
            minDate={daysBefore(until, 400)}
            locale={viewer.locale}
            placeholder="First day of the period"
            onChange={(value: string) => setSince(value)}
          />
        </Stack>
        <Stack space="space.050">
          <Label labelFor="until">To (the day after the last)</Label>
          <DatePicker
            id="until"
            name="until"
            value={until}
            minDate={since}
            locale={viewer.locale}
            placeholder="Day after the period"
            onChange={(value: string) => setUntil(value)}
          />
        </Stack>
        <Button appearance="primary" onClick={() => void loadPeriod()}>
          Show evidence
        </Button>
      </Inline>
      <Failure message={result?.error} />
      {result?.data ? <EvidencePeriod data={result.data} reload={loadPeriod} /> : null}
      <VerifyLedger />
    </Stack>
  );
}
