/**
 * Who approved a pull request independently of its author: one rule for the merge check, the pull-request
 * card, BB-PR-1 and the evidence ledger. Accounts are the same when their UUIDs are (Bitbucket writes them
 * in braces, in any case) or, without UUIDs, when their account ids are.
 */
import type { Account, Participant } from '../bitbucket/schemas';

export function sameAccount(a: Account | null | undefined, b: Account | null | undefined): boolean {
  if (!a || !b) return false;
  if (a.uuid && b.uuid) return a.uuid.toLowerCase() === b.uuid.toLowerCase();
  return a.account_id !== undefined && a.account_id === b.account_id;
}

/** Participants who approved and are not the author (with no author, nobody can be told apart: none). */
export function independentApprovers(
  participants: readonly Participant[] | undefined,
  author: Account | null | undefined,
): Array<Participant & { user: Account }> {
  if (!author) return [];
  return (participants ?? []).filter(
    (p): p is Participant & { user: Account } => p.approved === true && Boolean(p.user) && !sameAccount(p.user, author),
  );
}
