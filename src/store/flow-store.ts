/**
 * Delivery metrics in KVS (docs/delivery-metrics.md). Keys (UUIDs without braces):
 *
 *   v1:fl:<repo>:<id>     PullRequestFlow: one pull request's flow fact (joined with mergeFacts: idempotent)
 *   v1:fd:<repo>          DeploymentsRecord: the repository's production deployments as last read
 *   v1:flc:<repo>:<token> a repository's facts changed since the rollup folded them in (TTL 7 days)
 *   v1:fr:<repo>          RepositoryFlowRow: its weeks, recomputed by the rollup
 *   v1:fo                 FlowOverview: the workspace, written by the rollup (what the Delivery tab reads)
 *   v1:ft:<weeks>:<n>     a page of the repository table for a window, most merges first
 *   v1:fp:<weeks>         the projects' numbers for a window
 *   v1:fs                 FlowSyncState: the backfill and deployment passes
 *   v1:fs:<pass>:<n>      the repositories a pass goes through (chunks of 2,000; the last pass's only)
 */
import { kvs } from '@forge/kvs';
import { PullRequestFlow, mergeFacts } from '../metrics/flow-facts';
import { unwrapUuid } from '../lib/uuid';
import { read, readAll, readAllPaced } from './kvs-read';
import {
  DeploymentsRecord,
  FlowOverview,
  FlowSyncState,
  PASS_LIST_CHUNK,
  PassList,
  ProjectNumbers,
  RepositoryFlowRow,
  TablePage,
  type TableRow,
} from './flow-records';
import { z } from 'zod';
import { now } from '../lib/clock';

const CHANGE_TTL = { value: 7, unit: 'DAYS' } as const;
const FlowChange = z.object({ uuid: z.string(), at: z.string() });

const key = {
  fact: (repo: string, id: number) => `v1:fl:${unwrapUuid(repo)}:${id}`,
  facts: (repo: string) => `v1:fl:${unwrapUuid(repo)}:`,
  deployments: (repo: string) => `v1:fd:${unwrapUuid(repo)}`,
  change: (repo: string, token: string) => `v1:flc:${unwrapUuid(repo)}:${token}`,
  changes: () => 'v1:flc:',
  row: (repo: string) => `v1:fr:${unwrapUuid(repo)}`,
  rows: () => 'v1:fr:',
  overview: () => 'v1:fo',
  page: (weeks: number, n: number) => `v1:ft:${weeks}:${n}`,
  projects: (weeks: number) => `v1:fp:${weeks}`,
  sync: () => 'v1:fs',
  passList: (id: string, n: number) => `v1:fs:${id}:${String(n).padStart(3, '0')}`,
  passLists: () => 'v1:fs:',
};

export function flowStore() {
  return {
    getFact: (repositoryUuid: string, id: number) => read(key.fact(repositoryUuid, id), PullRequestFlow),
    async listFacts(repositoryUuid: string): Promise<PullRequestFlow[]> {
      return (await readAll(key.facts(repositoryUuid), PullRequestFlow)).map((entry) => entry.value).sort((a, b) => a.id - b.id);
    },
    /**
     * Joins an observation into the stored fact and writes it when that changed anything, with a change marker for
     * the rollup. Returns the joined fact. A delivery seen twice joins to the same fact and writes nothing.
     * `known`: the stored fact as the caller just read it (null: none), so it is not read twice.
     */
    async observeFact(
      repositoryUuid: string,
      observed: PullRequestFlow,
      known?: PullRequestFlow | null,
    ): Promise<{ fact: PullRequestFlow; changed: boolean }> {
      const previous = known === undefined ? await read(key.fact(repositoryUuid, observed.id), PullRequestFlow) : known;
      const fact = previous ? mergeFacts(previous, observed) : observed;
      if (previous && sameFlow(previous, fact)) return { fact: previous, changed: false };
      await kvs.set(key.fact(repositoryUuid, observed.id), PullRequestFlow.parse(fact));
      await markChanged(repositoryUuid);
      return { fact, changed: true };
    },
    getDeployments: (repositoryUuid: string) => read(key.deployments(repositoryUuid), DeploymentsRecord),
    async putDeployments(repositoryUuid: string, record: DeploymentsRecord): Promise<void> {
      await kvs.set(key.deployments(repositoryUuid), DeploymentsRecord.parse(record));
      await markChanged(repositoryUuid);
    },
    pendingFlowChanges: () => readAll(key.changes(), FlowChange),
    async clearFlowChanges(markerKeys: readonly string[]): Promise<void> {
      for (let i = 0; i < markerKeys.length; i += 20) await Promise.all(markerKeys.slice(i, i + 20).map((k) => kvs.delete(k)));
    },
    /** A deleted repository: its facts and deployments go, and a change marker makes the rollup drop its row. */
    async forgetFlow(repositoryUuid: string): Promise<void> {
      const facts = await readAll(key.facts(repositoryUuid), PullRequestFlow);
      for (let i = 0; i < facts.length; i += 20) await Promise.all(facts.slice(i, i + 20).map((entry) => kvs.delete(entry.key)));
      await kvs.delete(key.deployments(repositoryUuid));
      await markChanged(repositoryUuid);
    },
    deleteFlowRow: (repositoryUuid: string) => kvs.delete(key.row(repositoryUuid)),
    getFlowRow: (repositoryUuid: string) => read(key.row(repositoryUuid), RepositoryFlowRow),
    putFlowRow: (row: RepositoryFlowRow) => kvs.set(key.row(row.uuid), RepositoryFlowRow.parse(row)),
    /** Every repository's weeks, at most 2,000 read units a minute (half the installation's): the rollup is background work. */
    async listFlowRows(): Promise<RepositoryFlowRow[]> {
      return (await readAllPaced(key.rows(), RepositoryFlowRow, { unitsPerMinute: 2000 })).map((entry) => entry.value);
    },
    getFlowOverview: () => read(key.overview(), FlowOverview),
    getFlowPage: async (weeks: number, n: number) => (await read(key.page(weeks, n), TablePage)) ?? { rows: [] },
    getProjectNumbers: async (weeks: number) => (await read(key.projects(weeks), ProjectNumbers)) ?? { rows: [] },
    /** Pages first, the overview last: a reader sees the page count of the overview it read. */
    async putFlowRollup(rollup: {
      overview: FlowOverview;
      pages: Map<number, TableRow[][]>;
      projects: Map<number, z.infer<typeof ProjectNumbers>>;
    }): Promise<void> {
      for (const [weeks, pages] of rollup.pages)
        for (const [n, rows] of pages.entries()) await kvs.set(key.page(weeks, n), TablePage.parse({ rows }));
      for (const [weeks, projects] of rollup.projects) await kvs.set(key.projects(weeks), ProjectNumbers.parse(projects));
      await kvs.set(key.overview(), FlowOverview.parse(rollup.overview));
    },
  };
}

/** The sync passes: their state and the repositories each goes through. */
export function flowSyncStore() {
  return {
    /** Keeps a pass's repositories (sorted by UUID) and deletes the lists of earlier passes. */
    async putPassList(id: string, repositories: ReadonlyArray<{ uuid: string; mainBranch: string | null }>): Promise<number> {
      const old = await readAll(key.passLists(), PassList);
      for (const entry of old) if (!entry.key.startsWith(`v1:fs:${id}:`)) await kvs.delete(entry.key);
      const sorted = [...repositories].sort((a, b) => a.uuid.localeCompare(b.uuid));
      const chunks = Math.ceil(sorted.length / PASS_LIST_CHUNK);
      for (let n = 0; n < chunks; n++)
        await kvs.set(key.passList(id, n), PassList.parse({ repositories: sorted.slice(n * PASS_LIST_CHUNK, (n + 1) * PASS_LIST_CHUNK) }));
      return chunks;
    },
    async getPassList(id: string, chunks: number): Promise<Array<{ uuid: string; mainBranch: string | null }>> {
      const out: Array<{ uuid: string; mainBranch: string | null }> = [];
      for (let n = 0; n < chunks; n++) out.push(...((await read(key.passList(id, n), PassList))?.repositories ?? []));
      return out;
    },
    getFlowSync: async () => (await read(key.sync(), FlowSyncState)) ?? { pass: null, backfilledAt: null, lastPass: null },
    putFlowSync: (state: FlowSyncState) => kvs.set(key.sync(), FlowSyncState.parse(state)),
  };
}

async function markChanged(repositoryUuid: string): Promise<void> {
  const at = now();
  const token = `${at.getTime().toString(36)}.${Math.random().toString(36).slice(2, 10)}`;
  await kvs.set(key.change(repositoryUuid, token), { uuid: unwrapUuid(repositoryUuid), at: at.toISOString() }, { ttl: CHANGE_TTL });
}

/** Equal but for when it was observed: nothing to write. */
function sameFlow(a: PullRequestFlow, b: PullRequestFlow): boolean {
  return JSON.stringify({ ...a, observedAt: '' }) === JSON.stringify({ ...b, observedAt: '' });
}
