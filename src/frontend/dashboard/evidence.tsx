/** The dashboard's Evidence tab: the pull requests merged in a period, and the CSV for the auditor. */
import React, { useState } from 'react';
import { Button, CodeBlock, DatePicker, DynamicTable, Heading, Inline, Label, Link, SectionMessage, Stack, Text } from '@forge/react';

import { callResolver } from '../shared/use-resolver';

import type { EvidenceView, LedgerCheck } from '../../contract/resolvers';

type EvidenceData = EvidenceView;

const day = (instant: string) => instant.slice(0, 10);

/** What part of the period the ledger holds: an export that reaches past it says so before anything else. */
export function coverageStatement(coverage: EvidenceData['coverage']): { complete: boolean; text: string } {
  const open = coverage.openUntil ? ` The period has not ended: complete up to ${day(coverage.openUntil)}.` : '';
  const reconciled = coverage.reconciledUntil
    ? ` Reconciled with Bitbucket up to ${day(coverage.reconciledUntil)}; later merges come from events.`
    : '';
  if (coverage.notCovered.length === 0)
    return {
      complete: true,
      text: `The ledger holds the whole period for all ${coverage.repositories} repositories you can read.${reconciled}${open}`,
    };
  const names = coverage.notCovered
    .slice(0, 5)
    .map((item) => (item.heldFrom ? `${item.slug} (from ${day(item.heldFrom)})` : `${item.slug} (not read yet)`));
  const more = coverage.notCovered.length > names.length ? ` and ${coverage.notCovered.length - names.length} more` : '';
  return {
    complete: false,
    text: `The period starts before what the ledger holds for ${coverage.notCovered.length} of ${coverage.repositories} repositories: ${names.join(', ')}${more}. Pull requests merged there before that are missing here. Run \`attest evidence\` for this period to read them from Bitbucket.${open}`,
  };
}

function EvidencePeriod({ data }: { data: EvidenceData }) {
  const coverage = coverageStatement(data.coverage);
  return (
    <Stack space="space.100">
      <SectionMessage appearance={coverage.complete ? 'information' : 'warning'}>
        <Text>{coverage.text}</Text>
      </SectionMessage>
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
      <Failure message={result?.error} />
      {result?.data ? <EvidencePeriod data={result.data} /> : null}
      <VerifyLedger />
    </Stack>
  );
}
