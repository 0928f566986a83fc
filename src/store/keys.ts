/**
 * The only place KVS keys are built. Storage is per installation (one workspace), so keys do not repeat
 * the workspace. UUIDs are stored without braces: keys must match ^(?!\s+$)[a-zA-Z0-9:._\s-#]+$
 * (docs/platform-facts.md §7). The `v1` prefix lets a later schema migrate by reading v1 and writing v2.
 *
 *   v1:repo:<repo>                     RepositoryState: the repository, its classification and results
 *   v1:lease:repo:<repo>               a write lease: one evaluation compares and writes the state at a time (TTL)
 *   v1:pr:<repo>:<id>                  PullRequestRecord: pull-request checks for the card
 *   v1:ev:<repo>:<id>                  EvidenceRecord (immutable; written once, FAIL_IF_EXISTS)
 *   v1:evd:<merged-at>:<repo>:<id>     the same record, keyed by merge time for period queries
 *   v1:evc:<repo>:<seq>                ChainLink: the repository's evidence chain, one link per record
 *   v1:evh:<repo>                      ChainHead: the chain's newest link (written after it: it may lag)
 *   v1:evl:<repo>:<id>                 the position of a record's link, once it has one
 *   v1:hist:<at>:<subject>:<control>   HistoryEntry: an outcome change (pruned after the retention)
 *   v1:ws                              WorkspaceState: workspace-control results
 *   v1:sum:meta, v1:sum:<gen>:<n>      the summary: a meta and every repository's row in chunks by a hash of its uuid
 *   v1:lease:sum                       the summary's rebuild lease (TTL)
 *   v1:chg:<repo>:<token>              a repository record changed since the summary folded it in
 *   v1:fail:<at>:<token>               an error Bitbucket answered with, for the Health tab (TTL 7 days)
 *   v1:policy                          the workspace policy
 *   v1:people:meta, v1:people:<n>      display names by account id (the members listing), in chunks
 *   v1:scan                            ScanState: scheduling bookkeeping
 *   v1:viewer:<account>[:<n>]          what a person may see, for a few minutes (TTL)
 *   v1:evp                             EvidencePeriodState: the last period read from Bitbucket on request
 *   v1:dl:<sha-256 of a token>         DownloadGrant: one evidence download, for 10 minutes (TTL)
 *   v1:rl:<slot>:<n>                   a claim of Bitbucket requests in a 5-minute slot (TTL; request-ledger.ts)
 *   v1:rlw                             where each slot's claims stand (TTL; may lag the claims)
 *
 * Timestamps in keys are normalised to `YYYY-MM-DDTHH:MM:SS.mmmZ` (src/lib/instant.ts), with `:` and `.` kept
 * (both are allowed), so keys sort by time whatever form Bitbucket wrote them in.
 */
import { requireInstant } from '../lib/instant';
import { unwrapUuid } from '../lib/uuid';

const V = 'v1';

/** An account id as a key part: Atlassian ids are `557058:…` or 24 hex digits; anything else is refused. */
function accountKey(accountId: string): string {
  if (!/^[A-Za-z0-9:_-]{1,128}$/.test(accountId)) throw new Error(`not an account id: ${JSON.stringify(accountId.slice(0, 60))}`);
  return accountId;
}

export const keys = {
  repositoryPrefix: (): string => `${V}:repo:`,
  repository: (repositoryUuid: string): string => `${V}:repo:${unwrapUuid(repositoryUuid)}`,
  /** Held (TTL 60 s) while an evaluation compares and writes the repository's state (store.ts, takeLease). */
  repositoryLease: (repositoryUuid: string): string => `${V}:lease:repo:${unwrapUuid(repositoryUuid)}`,
  pullRequest: (repositoryUuid: string, id: number): string => `${V}:pr:${unwrapUuid(repositoryUuid)}:${id}`,
  pullRequestPrefix: (repositoryUuid: string): string => `${V}:pr:${unwrapUuid(repositoryUuid)}:`,
  evidence: (repositoryUuid: string, id: number): string => `${V}:ev:${unwrapUuid(repositoryUuid)}:${id}`,
  evidencePrefix: (repositoryUuid: string): string => `${V}:ev:${unwrapUuid(repositoryUuid)}:`,
  /** Every evidence record (`v1:ev:`, not the date index `v1:evd:` nor the chain's `v1:evc:`/`v1:evh:`/`v1:evl:`). */
  evidenceAllPrefix: (): string => `${V}:ev:`,
  /** The merge time is normalised first: Bitbucket's `+00:00` would put a `+` in the key, which KVS refuses. */
  evidenceByDate: (mergedAt: string, repositoryUuid: string, id: number): string =>
    `${V}:evd:${requireInstant(mergedAt, 'mergedAt')}:${unwrapUuid(repositoryUuid)}:${id}`,
  /** Chain positions are zero-padded to 10 digits so the links sort in order. */
  evidenceChain: (repositoryUuid: string, seq: number): string => `${V}:evc:${unwrapUuid(repositoryUuid)}:${String(seq).padStart(10, '0')}`,
  evidenceChainPrefix: (repositoryUuid: string): string => `${V}:evc:${unwrapUuid(repositoryUuid)}:`,
  evidenceHead: (repositoryUuid: string): string => `${V}:evh:${unwrapUuid(repositoryUuid)}`,
  evidenceHeadPrefix: (): string => `${V}:evh:`,
  /** Set once a record has its link: a record without it is linked on the next attempt to record it. */
  evidenceLinked: (repositoryUuid: string, id: number): string => `${V}:evl:${unwrapUuid(repositoryUuid)}:${id}`,
  /** A prefix for merge dates: `2026-11` (a month) or `2026-11-22` (a day). */
  evidenceByDatePrefix: (datePrefix: string): string => `${V}:evd:${datePrefix}`,
  history: (at: string, subject: string, control: string): string =>
    `${V}:hist:${requireInstant(at, 'history time')}:${subject === 'workspace' ? subject : unwrapUuid(subject)}:${control}`,
  historyPrefix: (datePrefix = ''): string => `${V}:hist:${datePrefix}`,
  workspace: (): string => `${V}:ws`,
  summaryMeta: (): string => `${V}:sum:meta`,
  /** Chunk `index` of the summary's generation `generation` (a rebuild that re-lays the chunks writes a new one). */
  summaryChunk: (generation: string, index: number): string => `${V}:sum:${generation}:${index}`,
  summaryChunkPrefix: (generation: string): string => `${V}:sum:${generation}:`,
  /** Held while the summary is rebuilt: a rebuild reads the last summary and the changes, so two at once would lose one. */
  summaryLease: (): string => `${V}:lease:sum`,
  /** An error Bitbucket answered with, by time (kept 7 days with a TTL). */
  failure: (at: string, token: string): string => `${V}:fail:${requireInstant(at, 'failure time')}:${token}`,
  failurePrefix: (): string => `${V}:fail:`,
  /** A repository record written or deleted since the summary last folded it in; `token` makes each write its own. */
  change: (repositoryUuid: string, token: string): string => `${V}:chg:${unwrapUuid(repositoryUuid)}:${token}`,
  changePrefix: (): string => `${V}:chg:`,
  policy: (): string => `${V}:policy`,
  /** Display names by account id, in chunks (`peopleMeta` says how many). */
  peopleMeta: (): string => `${V}:people:meta`,
  peopleChunk: (index: number): string => `${V}:people:${index}`,
  scan: (): string => `${V}:scan`,
  /** A repository's last Re-check, kept 10 minutes (TTL): one Re-check per repository in that time. */
  recheck: (repositoryUuid: string): string => `${V}:recheck:${unwrapUuid(repositoryUuid)}`,
  /** What a person may see (services/viewer.ts), kept a few minutes with a TTL; account ids fit the key pattern. */
  viewer: (accountId: string): string => `${V}:viewer:${accountKey(accountId)}`,
  viewerChunk: (accountId: string, index: number): string => `${V}:viewer:${accountKey(accountId)}:${index}`,
  evidencePeriod: (): string => `${V}:evp`,
  /** The n-th claim of a 5-minute slot (slot = epoch milliseconds ÷ 300,000). */
  requestClaim: (slot: number, n: number): string => `${V}:rl:${slot}:${n}`,
  requestWindow: (): string => `${V}:rlw`,
  /** A download grant, by the SHA-256 of its token (hex): the token itself is never stored. */
  downloadGrant: (tokenHash: string): string => {
    if (!/^[0-9a-f]{64}$/.test(tokenHash)) throw new Error('a download grant is keyed by a SHA-256 in hex');
    return `${V}:dl:${tokenHash}`;
  },
};
