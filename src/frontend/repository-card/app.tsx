/**
 * The repository card (`bitbucket:repoCodeOverviewCard`): the repository's score, each control's outcome
 * (advisory and excepted marked), remediation for each failure, when it was last evaluated, and
 * "Re-check" for the repository's administrators (the resolver enforces it).
 */
import React, { useState } from 'react';
import { Button, Heading, Inline, Lozenge, SectionMessage, Stack, Text, useProductContext } from '@forge/react';
import type { CardResult, ResolverOutput } from '../../contract/resolvers';
import { duration, share } from '../shared/durations';
import { Loading, LoadError } from '../shared/states';
import { OUTCOME_APPEARANCE, OUTCOME_LABEL } from '../shared/outcomes';
import { callResolver, useResolver } from '../shared/use-resolver';
import { ClockProvider, When } from '../shared/people-and-times';
import { about, hoursLeft, progressStatement, type ScanProgress } from '../shared/progress';

export function RepositoryCard() {
  const context = useProductContext();
  if (!context) return <Loading what="the repository's compliance" />;
  return <RepositoryCardBody />;
}

/** A result that needs a look: its outcome, whether it is advisory or excepted, and what to do. */
function NeedsLook({ result, title }: { result: CardResult; title: string }) {
  return (
    <Stack space="space.050">
      <Inline space="space.050" shouldWrap>
        <Lozenge appearance={OUTCOME_APPEARANCE[result.outcome]}>{OUTCOME_LABEL[result.outcome]}</Lozenge>
        {result.enforced === false ? <Lozenge appearance="moved">advisory</Lozenge> : null}
        {result.exception ? (
          <Lozenge appearance={result.exception.expired ? 'removed' : 'inprogress'}>
            {result.exception.expired ? 'exception expired' : 'excepted'}
          </Lozenge>
        ) : null}
      </Inline>
      <Text>{title}</Text>
      {result.outcome === 'fail' || result.outcome === 'not-evaluable' ? (
        <Text>
          {result.message} Fix: {result.remediation?.[0] ?? 'see the dashboard'}
        </Text>
      ) : null}
    </Stack>
  );
}

/** Before the first evaluation: when it will come, from where the workspace's scan stands. */
function FirstResult({ progress }: { progress: ScanProgress | null }) {
  const left = progress ? hoursLeft(progress) : null;
  return (
    <Stack space="space.050">
      <Text>Attest has not evaluated this repository yet.</Text>
      {progress && progress.repositories > 0 ? <Text>{progressStatement(progress)}</Text> : null}
      <Text>
        {left === null
          ? 'It is evaluated within the hour after install, and again on every change.'
          : `Its first result comes within ${about(Math.max(left, 0.25))}, and again on every change.`}
      </Text>
    </Stack>
  );
}

export function RepositoryCardBody() {
  const { load, reload } = useResolver('repository/get', {});
  const [notice, setNotice] = useState<string | null>(null);
  if (load.state === 'loading') return <Loading what="the repository's compliance" />;
  if (load.state === 'error') return <LoadError message={load.message} code={load.code} onRetry={reload} />;
  const { repository, controls, now } = load.data;
  if (repository === null || repository.results === null) {
    return <FirstResult progress={load.data.progress} />;
  }
  const recheck = async () => {
    const answer = await callResolver('repository/recheck', {});
    setNotice(answer.ok ? 'Re-check queued: results update within a few minutes.' : answer.error.message);
  };
  // What needs a look (failing, unreadable, advisory or excepted) is listed one by one; the rest is summed up
  // per outcome. A sidebar card is about 320 px wide: a lozenge beside a long title gets squeezed to "p…".
  const title = (control: string) => controls[control]?.title ?? control;
  const results = repository.results;
  const needsLook = results.filter(
    (result) => result.outcome === 'fail' || result.outcome === 'not-evaluable' || result.enforced === false || result.exception,
  );
  const quiet = (outcome: 'pass' | 'not-applicable') =>
    results.filter((result) => result.outcome === outcome && !needsLook.includes(result));
  return (
    <ClockProvider now={now}>
      <Stack space="space.100">
        <Heading size="small">
          Score {repository.score ?? '—'} · {repository.classification}
        </Heading>
        {needsLook.map((result) => (
          <NeedsLook key={result.control} result={result} title={title(result.control)} />
        ))}
        {(['pass', 'not-applicable'] as const).map((outcome) =>
          quiet(outcome).length === 0 ? null : (
            <Stack key={outcome} space="space.050">
              <Inline space="space.050">
                <Lozenge appearance={OUTCOME_APPEARANCE[outcome]}>{OUTCOME_LABEL[outcome]}</Lozenge>
              </Inline>
              <Text>
                {quiet(outcome)
                  .map((result) => title(result.control))
                  .join(' · ')}
              </Text>
            </Stack>
          ),
        )}
        <When at={repository.evaluatedAt} prefix="Last evaluated " />
        {load.data.delivery ? <DeliveryNumbers delivery={load.data.delivery} /> : null}
        <Button onClick={() => void recheck()}>Re-check</Button>
        {notice ? (
          <SectionMessage appearance="information">
            <Text>{notice}</Text>
          </SectionMessage>
        ) : null}
      </Stack>
    </ClockProvider>
  );
}

/** The repository's own delivery numbers over 12 weeks (docs/delivery-metrics.md): short lines for a narrow card. */
function DeliveryNumbers({ delivery }: { delivery: NonNullable<ResolverOutput<'repository/get'>['delivery']> }) {
  const { numbers, coverage, weeks } = delivery;
  return (
    <Stack space="space.050">
      <Heading size="xsmall">{`Delivery, ${weeks} weeks`}</Heading>
      <Text>{`${numbers.merged} merged · open → merge ${duration(numbers.cycleMedian)} (median)`}</Text>
      <Text>{`First review ${duration(numbers.firstReviewMedian)} · independent approval ${share(numbers.independentShare)}`}</Text>
      {coverage === 'measured' ? (
        <Text>{`${numbers.deployments} deployments · change failure rate ${share(numbers.changeFailureRate)}`}</Text>
      ) : (
        <Text>
          {coverage === 'no-production' ? 'Does not deploy to Production with Bitbucket Deployments.' : 'Deployments not read yet.'}
        </Text>
      )}
      {numbers.rubberStamps > 0 ? (
        <Text>{`${numbers.rubberStamps} large change${numbers.rubberStamps === 1 ? '' : 's'} approved within minutes of a push`}</Text>
      ) : null}
    </Stack>
  );
}
