/**
 * The repository card (`bitbucket:repoCodeOverviewCard`): what Attest last read about this repository.
 */
import React from 'react';
import ForgeReconciler, { Lozenge, Stack, Text, useProductContext } from '@forge/react';
import { z } from 'zod';
import { Loading, LoadError } from '../shared/states';
import { useResolver } from '../shared/use-resolver';

const Card = z.object({
  repository: z
    .object({ slug: z.string(), isPrivate: z.boolean().nullable(), mainBranch: z.string().nullable(), observedAt: z.string(), cause: z.string() })
    .nullable(),
});

function parseCard(data: unknown) {
  const parsed = Card.safeParse(data);
  return parsed.success ? parsed.data : null;
}

export function RepositoryCard() {
  const context = useProductContext();
  if (!context) return <Loading what="the repository's compliance" />;
  return <RepositoryCardBody />;
}

function RepositoryCardBody() {
  const { load, reload } = useResolver('repository/get', {}, parseCard);
  if (load.state === 'loading') return <Loading what="the repository's compliance" />;
  if (load.state === 'error') return <LoadError message={load.message} onRetry={reload} />;
  const repository = load.data.repository;
  if (repository === null) {
    return <Text>Attest has not read this repository yet. It is read on the next scan, within the hour.</Text>;
  }
  return (
    <Stack space="space.100">
      <Text>
        Visibility:{' '}
        {repository.isPrivate === null ? <Lozenge>unknown</Lozenge> : repository.isPrivate ? <Lozenge appearance="success">private</Lozenge> : <Lozenge appearance="removed">public</Lozenge>}
      </Text>
      <Text>Main branch: {repository.mainBranch ?? 'none (empty repository)'}</Text>
      <Text>Last read {repository.observedAt}</Text>
    </Stack>
  );
}

ForgeReconciler.render(
  <React.StrictMode>
    <RepositoryCard />
  </React.StrictMode>,
);
