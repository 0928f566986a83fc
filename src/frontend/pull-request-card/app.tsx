/**
 * The pull-request card (`bitbucket:repoPullRequestCard`): each pull-request check and what is missing, in
 * plain words. `not-evaluable` is never shown in a way that could pass for a pass.
 */
import React from 'react';
import { Inline, LinkButton, Lozenge, Stack, Text, useProductContext } from '@forge/react';
import type { ResolverOutput } from '../../contract/resolvers';
import { Loading, LoadError } from '../shared/states';
import { useResolver } from '../shared/use-resolver';
import { OUTCOME_APPEARANCE as APPEARANCE } from '../shared/outcomes';
import { ClockProvider, When } from '../shared/people-and-times';

const LABEL = { pass: 'met', fail: 'missing', 'not-evaluable': 'could not check', 'not-applicable': 'not required' } as const;

export function PullRequestCard() {
  const context = useProductContext();
  if (!context) return <Loading what="the pull request's checks" />;
  return <PullRequestCardBody />;
}

function PullRequestCardBody() {
  const { load, reload } = useResolver('pull-request/get', {});
  if (load.state === 'loading') return <Loading what="the pull request's checks" />;
  if (load.state === 'error') return <LoadError message={load.message} code={load.code} onRetry={reload} />;
  const pr = load.data.pullRequest;
  if (pr === null) return <Text>Attest has not checked this pull request yet: it is checked on its next update or merge attempt.</Text>;
  if (!pr.protectedDestination)
    return <Text>{pr.destination ?? 'This branch'} is not a protected branch: Attest's checks do not apply.</Text>;
  return (
    <ClockProvider now={load.data.now}>
      <Stack space="space.100">
        {pr.checks.map((check) => (
          // Lozenge above the text: beside a long message in a 320 px sidebar it is squeezed to "m…".
          <Stack key={check.id} space="space.050">
            <Inline space="space.050">
              <Lozenge appearance={APPEARANCE[check.outcome]}>{LABEL[check.outcome]}</Lozenge>
            </Inline>
            <Text>
              {check.title}: {check.message}
            </Text>
          </Stack>
        ))}
        <When at={pr.evaluatedAt} prefix="Checked " />
        <EnforcementNote repository={load.data.repository} />
      </Stack>
    </ClockProvider>
  );
}

function EnforcementNote({ repository }: { repository: ResolverOutput<'pull-request/get'>['repository'] }) {
  if (!repository) return null;
  const enforced = repository.mergeChecksEnforced;
  const line =
    enforced === 'pass'
      ? 'Merge checks on the main branch are enforced, so a Required Attest check blocks the merge.'
      : enforced === 'fail'
        ? 'Merge checks on the main branch only warn (no enforce_merge_checks restriction): a failing check does not stop the merge.'
        : 'Whether merge checks are enforced on this branch could not be read.';
  return (
    <Stack space="space.050">
      <Text>
        {line} Whether the Attest check is set to Required is not readable through Bitbucket's API; a workspace administrator can confirm it
        in Workspace settings → Merge checks.
      </Text>
      {repository.htmlUrl ? <LinkButton href={repository.htmlUrl}>Open {repository.slug} and its compliance card</LinkButton> : null}
    </Stack>
  );
}
