/** The commits the emulator's model knows of a repository: shared by the commit routes and Code Insights. */
import type { RepositorySeed } from './model';
import * as render from './render';

/**
 * The commits the model knows, newest meaning first: merge commits (dated by the merge), pull requests' heads and
 * pushes, and the main branch's head. GET …/commit/{commit} takes a full or abbreviated hash (the OpenAPI
 * document's `hash` pattern is `[0-9a-f]{7,}`); one the repository does not have is a 404, as documented.
 */
export function knownCommits(repo: RepositorySeed): Array<{ hash: string; date: string; message: string; authorId: string | null }> {
  const known = repo.pullRequests.flatMap((pr) => [
    ...(pr.mergeCommit
      ? [
          {
            hash: pr.mergeCommit,
            date: pr.mergedOn ?? pr.updatedOn,
            message: `Merged in ${pr.sourceBranch} (pull request #${pr.id})`,
            authorId: pr.closedById,
          },
        ]
      : []),
    { hash: pr.sourceCommit, date: pr.createdOn, message: pr.title, authorId: pr.authorId },
    ...pr.pushes.map((push) => ({ hash: push.commit, date: push.at, message: pr.title, authorId: pr.authorId })),
  ]);
  const head =
    repo.mainBranch === null
      ? []
      : [{ hash: render.mainHead(repo), date: repo.updatedOn, message: 'Head of the main branch', authorId: null }];
  return [...known, ...head];
}

/** The one known commit a full or abbreviated hash names, or null (none, or more than one). */
export function resolveCommit(repo: RepositorySeed, wanted: string): string | null {
  const hash = wanted.toLowerCase();
  if (!/^[0-9a-f]{7,40}$/.test(hash)) return null;
  const distinct = new Set(
    knownCommits(repo)
      .filter((candidate) => candidate.hash.startsWith(hash))
      .map((candidate) => candidate.hash),
  );
  return distinct.size === 1 ? ([...distinct][0] ?? null) : null;
}
