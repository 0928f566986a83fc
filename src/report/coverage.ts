/**
 * What part of an audit period the evidence ledger holds, and the sentence every evidence view leads with: an
 * export that reaches past what is held says so before anything else.
 */
import type { EvidenceView } from '../contract/resolvers';
import type { RepositoryRecord } from '../store/records';

export type LedgerCoverage = EvidenceView['coverage'];

/**
 * How much of a period the ledger holds: a repository is covered when its ledger was read from the API back to
 * the period's start (later merges are kept by events and reconciled at each evaluation; `reconciledUntil` says
 * up to when every covered repository was). Empty repositories (no main branch) have nothing to hold.
 */
export function ledgerCoverage(repositories: readonly RepositoryRecord[], period: { since: Date; until: Date; now: Date }): LedgerCoverage {
  const holds = (record: RepositoryRecord) =>
    record.mainBranch === null ||
    (record.ledgerFrom !== null && record.ledgerCheckedAt !== null && Date.parse(record.ledgerFrom) <= period.since.getTime());
  const checked = repositories
    .filter((record) => record.mainBranch !== null && holds(record))
    .map((record) => record.ledgerCheckedAt ?? '')
    .sort();
  const notCovered = repositories
    .filter((record) => !holds(record))
    .map((record) => ({ slug: record.slug, heldFrom: record.ledgerFrom, checkedAt: record.ledgerCheckedAt }))
    .sort((a, b) => a.slug.localeCompare(b.slug));
  return {
    repositories: repositories.length,
    covered: repositories.length - notCovered.length,
    notCovered: notCovered.slice(0, 200),
    reconciledUntil: checked[0] ?? null,
    openUntil: period.until.getTime() > period.now.getTime() ? period.now.toISOString() : null,
  };
}

const isoDay = (instant: string) => instant.slice(0, 10);

/**
 * What part of the period the ledger holds: an export that reaches past it says so before anything else. Dates are
 * written by `format` (the dashboard writes them in the viewer's locale; reports as ISO dates).
 */
export function coverageStatement(
  coverage: LedgerCoverage,
  day: (instant: string) => string = isoDay,
): { complete: boolean; text: string } {
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
    text: `The period starts before what the ledger holds for ${coverage.notCovered.length} of ${coverage.repositories} repositories: ${names.join(', ')}${more}. Pull requests merged there before that are missing here. An administrator can read them from Bitbucket here (Read this period from Bitbucket), or run \`attest evidence\` for this period.${open}`,
  };
}

/** Where reading a period from Bitbucket stands, in a sentence, and whether it is over. */
export function backfillStatement(state: {
  done: number;
  repositories: number | null;
  recorded: number;
  gaps: ReadonlyArray<{ repository: string; reason: string }>;
  finishedAt: string | null;
}): { finished: boolean; text: string } {
  const added = `${state.recorded} merged pull requests added to the ledger`;
  if (state.finishedAt === null) {
    const of = state.repositories === null ? 'listing the repositories' : `${state.done} of ${state.repositories} repositories read`;
    return { finished: false, text: `Reading this period from Bitbucket: ${of}; ${added} so far.` };
  }
  const gaps = state.gaps.length === 0 ? '' : ` Not covered: ${state.gaps.map((gap) => `${gap.repository} (${gap.reason})`).join('; ')}.`;
  return { finished: true, text: `Read from Bitbucket: ${state.repositories ?? 0} repositories, ${added}.${gaps}` };
}
