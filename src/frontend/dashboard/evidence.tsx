/** The dashboard's Evidence tab: the pull requests merged in a period, and the CSV for the auditor. */
import React, { useState } from 'react';
import { Button, CodeBlock, DatePicker, DynamicTable, Heading, Inline, Label, SectionMessage, Stack, Text } from '@forge/react';

import { callResolver } from '../shared/use-resolver';

import type { EvidenceView } from '../../contract/resolvers';

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
