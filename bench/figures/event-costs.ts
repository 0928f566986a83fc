import { DEMO_NOW, generateWorkspace } from '../../local/emulator/seeds';
import { createStore } from '../../src/store/store';
import { sandbox, type Figure } from '../sandbox';

type Sandbox = Awaited<ReturnType<typeof sandbox>>;

/** As after install: the repository's record is stored (the merge check and card read its main branch). */
async function storeRecord(s: Sandbox, repo: Sandbox['ws']['repositories'][number]): Promise<void> {
  await s.runtime.withInstallation(s.ws.uuid, () =>
    createStore().putRepository({
      uuid: repo.uuid.replace(/[{}]/g, ''),
      slug: repo.slug,
      fullName: `${s.ws.slug}/${repo.slug}`,
      name: repo.name,
      isPrivate: true,
      mainBranch: repo.mainBranch,
      projectKey: repo.projectKey,
      htmlUrl: null,
      observedAt: new Date(DEMO_NOW).toISOString(),
      cause: 'bench',
      classification: 'production',
      score: null,
      results: null,
      evaluatedAt: null,
      requests: 0,
      ledgerFrom: null,
      ledgerCheckedAt: null,
      ledgerBackfill: null,
    }),
  );
}

/** Requests and KVS operations per pull-request event and per merge. */
export async function eventCosts(size: number): Promise<Figure> {
  const s = await sandbox(generateWorkspace(size, 1));
  const repo = s.ws.repositories[0]!;
  await storeRecord(s, repo);
  const kvs = s.runtime.installation(s.ws.uuid).kvs;
  const author = s.emulator.seed.users[0]!.accountId;
  const ops = () => kvs.stats.reads + kvs.stats.writes + kvs.stats.deletes + kvs.stats.queries;
  /** Bitbucket requests and KVS operations one mutation's event costs the app. */
  const cost = async <T>(act: () => Promise<T>) => {
    const [requests, operations] = [s.emulator.log.length, ops()];
    const result = await act();
    return { result, requests: s.emulator.log.length - requests, kvs: ops() - operations };
  };
  const where = { workspace: s.ws.slug, repository: repo.slug };
  const opened = await cost(() =>
    s.emulator.mutate({
      type: 'open-pull-request',
      ...where,
      title: 'X-1',
      authorId: author,
      sourceBranch: 'feature/x',
      sourceCommit: 'e'.repeat(40),
    }),
  );
  const id = opened.result.pullRequestId ?? 0;
  // A build passes on the head (the verdict changes: Attest's Code Insights report is written again), then the
  // same status is sent again (nothing changed: no report is written).
  const build = () =>
    s.emulator.mutate({ type: 'build-status', ...where, commit: 'e'.repeat(40), key: 'ci', state: 'SUCCESSFUL', refname: 'feature/x' });
  const changed = await cost(build);
  const unchanged = await cost(build);
  const mergedPr = await cost(() => s.emulator.mutate({ type: 'merge-pull-request', ...where, pullRequestId: id, accountId: author }));
  const [eventRequests, eventKvs, mergeRequests, mergeKvs] = [opened.requests, opened.kvs, mergedPr.requests, mergedPr.kvs];
  await s.emulator.close();
  return {
    figure: `Event handling at ${size.toLocaleString('en')} repositories: Bitbucket requests and KVS operations per pull-request event / per merge`,
    value: `event ${eventRequests} requests, ${eventKvs} KVS ops (Code Insights on: ${changed.requests} when the verdict changes, ${unchanged.requests} when it does not); merge ${mergeRequests} requests, ${mergeKvs} KVS ops`,
    target: 'stated, and the same at 10 and 10,000 repositories',
    data: {
      size,
      eventRequests,
      eventKvs,
      mergeRequests,
      mergeKvs,
      changedRequests: changed.requests,
      unchangedRequests: unchanged.requests,
    },
  };
}
