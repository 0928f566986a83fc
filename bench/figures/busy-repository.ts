/**
 * The busy-repository figure: a repository merging 50 pull requests a day (4,250 in the 85 days before the demo
 * instant) in the demo workspace. The ledger's backfill is read oldest first over the hourly evaluations: how
 * many requests and simulated hours until BB-PR-1 and BB-PR-2 are evaluated, and then what one hourly
 * evaluation of the repository costs while two more pull requests merge each hour.
 */
import { BUSY_REPOSITORY, busySeed } from '../../local/emulator/busy-seed';
import type { RepositoryRecord } from '../../src/store/records';
import { sandbox, type BenchOptions, type Figure, type Sandbox } from '../sandbox';

const HOUR = 3_600_000;

function reviewEvaluated(s: Sandbox, uuid: string): boolean {
  const record = s.runtime.installation(s.ws.uuid).kvs.dump()[`v1:repo:${uuid}`] as RepositoryRecord | undefined;
  const outcomes = (record?.results ?? []).filter((result) => result.control === 'BB-PR-1' || result.control === 'BB-PR-2');
  return outcomes.length === 2 && outcomes.every((result) => result.outcome === 'pass' || result.outcome === 'fail');
}

/** Two pull requests opened, approved and merged in the busy repository. */
async function mergeTwo(s: Sandbox, hour: number): Promise<void> {
  const [, author, reviewer] = s.emulator.seed.users;
  if (!author || !reviewer) throw new Error('the demo workspace has people');
  const where = { workspace: s.ws.slug, repository: BUSY_REPOSITORY };
  for (let n = 0; n < 2; n++) {
    const commit = (hour * 2 + n + 1).toString(16).padStart(40, 'd');
    const opened = await s.emulator.mutate({
      type: 'open-pull-request',
      ...where,
      title: `ACME-${9000 + hour * 2 + n}: After the backfill`,
      authorId: author.accountId,
      sourceBranch: `feature/after-${hour}-${n}`,
      sourceCommit: commit,
    });
    const id = opened.pullRequestId ?? 0;
    await s.emulator.mutate({ type: 'review', ...where, pullRequestId: id, accountId: reviewer.accountId, decision: 'approve' });
    await s.emulator.mutate({ type: 'merge-pull-request', ...where, pullRequestId: id, accountId: author.accountId });
  }
}

export async function busyRepository({ quick }: BenchOptions): Promise<Figure> {
  // 50 a day for 85 days; the quick run (a test of the bench itself) a tenth of it.
  const MERGED = quick ? 425 : 4250;
  const started = performance.now();
  const s = await sandbox(busySeed(MERGED));
  const repo = s.ws.repositories.find((candidate) => candidate.slug === BUSY_REPOSITORY);
  if (!repo) throw new Error('the busy seed has the busy repository');
  const uuid = repo.uuid.replace(/[{}]/g, '');
  const ofRepo = () => s.emulator.log.filter((entry) => entry.path.includes(uuid)).length;
  await s.runtime.install(s.ws.uuid);
  let hours = 0;
  for (; hours < 200 && !reviewEvaluated(s, uuid); hours++) {
    await s.runtime.runFor(HOUR);
    process.stderr.write(`bench: busy repository, hour ${hours + 1}: ${ofRepo()} requests to it so far\n`);
  }
  const backfill = ofRepo();
  const perHour: number[] = [];
  for (let hour = 0; hour < 3; hour++) {
    await mergeTwo(s, hour);
    const before = ofRepo();
    await s.runtime.runFor(HOUR);
    perHour.push(ofRepo() - before);
  }
  const evaluated = reviewEvaluated(s, uuid);
  await s.emulator.close();
  return {
    figure: `A busy repository (${MERGED.toLocaleString('en')} pull requests merged in 85 days, ${Math.round(MERGED / 85)} a day): the ledger's backfill, then each hourly evaluation while 2 more merge an hour`,
    value: `backfill ${backfill.toLocaleString('en')} requests to the repository (${(backfill / MERGED).toFixed(2)} a merged pull request) over ${hours} simulated hours; then ${perHour.join(', ')} requests per hourly evaluation (the merge events' own reads included); BB-PR-1 and BB-PR-2 ${evaluated ? 'evaluated' : 'not evaluated'}; ${((performance.now() - started) / 1000).toFixed(0)} s wall`,
    target: 'both controls evaluated; the hourly cost a small constant, not proportional to the merges in the window',
    data: { merged: MERGED, backfillRequests: backfill, backfillHours: hours, perHour, evaluated },
  };
}
