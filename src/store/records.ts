/**
 * Stored value schemas. Every value read back from KVS is parsed: an older app version may have written
 * it, and a value that does not parse is treated as absent, never trusted.
 */
import { z } from 'zod';

import { Outcome, OutcomeCounts, SubjectClassification } from '../controls/outcome';

export { Outcome };

export const StoredResult = z.object({
  control: z.string(),
  outcome: Outcome,
  message: z.string(),
  evidence: z.record(z.string(), z.unknown()),
  remediation: z.array(z.string()).optional(),
  enforced: z.boolean().optional(),
  exception: z.object({ reason: z.string(), approvedBy: z.string(), expiresOn: z.string(), expired: z.boolean() }).optional(),
});
export type StoredResult = z.infer<typeof StoredResult>;

export const RepositoryRecord = z.object({
  uuid: z.string(),
  slug: z.string(),
  fullName: z.string(),
  name: z.string(),
  isPrivate: z.boolean().nullable(),
  mainBranch: z.string().nullable(),
  projectKey: z.string().nullable(),
  htmlUrl: z.string().nullable(),
  /** When Bitbucket was read, ISO 8601. Older observations never overwrite newer ones. */
  observedAt: z.string(),
  /** What caused the observation: an event name, `install-scan`, `scheduled-scan`. */
  cause: z.string(),
  classification: SubjectClassification.default('unclassified'),
  score: z.number().nullable().default(null),
  /** null until the controls were evaluated. */
  results: z.array(StoredResult).nullable().default(null),
  evaluatedAt: z.string().nullable().default(null),
  /** Bitbucket requests the last evaluation took (the planner's cost estimate). */
  requests: z.number().int().nonnegative().default(0),
  /**
   * The evidence ledger holds every pull request merged into the main branch since this instant (read from
   * the API once, then kept by events and reconciliation); null until the first evaluation read it.
   */
  ledgerFrom: z.string().nullable().default(null),
  /** When the merged pull requests were last listed from the API (the reconciliation watermark). */
  ledgerCheckedAt: z.string().nullable().default(null),
  /**
   * A backfill under way (services/ledger-backfill.ts): every pull request merged into the main branch and last
   * updated from `from` up to `through` is in the ledger, read oldest first; the next evaluation goes on from
   * `through`. Null when none is.
   */
  ledgerBackfill: z.object({ from: z.string(), through: z.string() }).nullable().default(null),
});
export type RepositoryRecord = z.infer<typeof RepositoryRecord>;

export const StoredCheck = z.object({
  id: z.string(),
  title: z.string(),
  outcome: Outcome,
  message: z.string(),
});

export const PullRequestRecord = z.object({
  repositoryUuid: z.string(),
  id: z.number().int(),
  title: z.string(),
  state: z.string(),
  destination: z.string().nullable(),
  /** The source head commit the checks were computed for; build-status events are matched on it. */
  headCommit: z.string().nullable(),
  protectedDestination: z.boolean(),
  checks: z.array(StoredCheck),
  evaluatedAt: z.string(),
  cause: z.string(),
  /** The Code Insights report Attest last wrote for this pull request: on which commit, and what it said (a hash). */
  insights: z.object({ commit: z.string(), fingerprint: z.string(), at: z.string() }).nullable().default(null),
});
export type PullRequestRecord = z.infer<typeof PullRequestRecord>;

/** One merged pull request, as an auditor samples it. Immutable once written. */
export const EvidenceRecord = z.object({
  repositoryUuid: z.string(),
  repositorySlug: z.string(),
  pullRequestId: z.number().int(),
  title: z.string(),
  author: z.object({ accountId: z.string().nullable(), name: z.string().nullable() }),
  approvers: z.array(z.object({ accountId: z.string().nullable(), name: z.string().nullable(), approvedAt: z.string().nullable() })),
  builds: z.array(z.object({ key: z.string(), state: z.string(), at: z.string().nullable() })),
  destination: z.string().nullable(),
  source: z.string().nullable(),
  mergeCommit: z.string().nullable(),
  mergedAt: z.string(),
  /**
   * How the merge time was known: the activity log's MERGED entry, the `fulfilled` event's time, or the pull
   * request's `updated_on` (a later comment moves it: labelled so). Absent from records kept before it was.
   */
  mergedAtSource: z.enum(['activity', 'event', 'updated_on']).nullable().default(null),
  /** Who merged it (`closed_by`), and the pull request's page: null when Bitbucket did not say. */
  mergedBy: z.object({ accountId: z.string().nullable(), name: z.string().nullable() }).nullable().default(null),
  url: z.string().nullable().default(null),
  independentlyApproved: z.boolean(),
  passingBuild: z.boolean(),
  recordedAt: z.string(),
  /** `event` (fulfilled), `backfill` (read from the API for the period before install), `reconcile`. */
  origin: z.enum(['event', 'backfill', 'reconcile']),
});
export type EvidenceRecord = z.infer<typeof EvidenceRecord>;

/** One link of a repository's evidence chain (src/store/evidence-chain.ts): a removed record leaves its link. */
export const ChainLink = z.object({
  seq: z.number().int().positive(),
  pullRequestId: z.number().int(),
  recordHash: z.string(),
  previousHash: z.string().nullable(),
  hash: z.string(),
});
export type ChainLink = z.infer<typeof ChainLink>;

/** The newest link of a repository's evidence chain. */
export const ChainHead = z.object({ seq: z.number().int().nonnegative(), hash: z.string().nullable() });
export type ChainHead = z.infer<typeof ChainHead>;

export const HistoryEntry = z.object({
  subject: z.string(),
  subjectName: z.string(),
  control: z.string(),
  from: Outcome.nullable(),
  to: Outcome.nullable(),
  at: z.string(),
  cause: z.string(),
  actor: z.string().nullable().default(null),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export const WorkspaceState = z.object({
  results: z.array(StoredResult),
  evaluatedAt: z.string(),
  cause: z.string(),
});
export type WorkspaceState = z.infer<typeof WorkspaceState>;

export const SummaryRow = z.object({
  uuid: z.string(),
  slug: z.string(),
  project: z.string().nullable(),
  classification: SubjectClassification,
  score: z.number().nullable(),
  counts: OutcomeCounts,
  failing: z.array(z.string()),
  evaluatedAt: z.string().nullable(),
});
export type SummaryRow = z.infer<typeof SummaryRow>;

/** The repository an attention item is about; null for the workspace (and for items stored before it was kept). */
const SubjectUuid = z.string().nullable().default(null);

/** For one SOC 2 criterion, ISO control or CIS item: the controls behind it and their state. */
export const FrameworkStatus = z.object({
  framework: z.enum(['soc2', 'iso27001', 'cis']),
  id: z.string(),
  controls: z.array(z.string()),
  outcomes: OutcomeCounts,
  status: z.enum(['met', 'gaps', 'unknown']),
});

/** Pass rate of one control across subjects where it passed or failed (null when it never did). */
export const ControlRate = z.object({ control: z.string(), pass: z.number(), fail: z.number(), rate: z.number().nullable() });

// `subjectUuid`: the repository's (null for the workspace), so each reader sees only what they can read.
export const NotEvaluableItem = z.object({
  subject: z.string(),
  subjectUuid: SubjectUuid,
  control: z.string(),
  message: z.string(),
  fix: z.string().nullable(),
});
export const ExceptedItem = z.object({
  subject: z.string(),
  subjectUuid: SubjectUuid,
  control: z.string(),
  reason: z.string(),
  approvedBy: z.string(),
  expiresOn: z.string(),
  expired: z.boolean(),
});
export const AdvisoryItem = z.object({ subject: z.string(), subjectUuid: SubjectUuid, control: z.string() });

export const SummaryMeta = z.object({
  generatedAt: z.string(),
  chunks: z.number().int().nonnegative(),
  /** Which set of chunks is current: a rebuild that changes the number of chunks writes a new set, then the meta. */
  generation: z.string().default('0'),
  /**
   * Every change marked at or before this instant is in the summary (services/summary.ts): such markers are only
   * deleted, never read again. Null when unknown (the next rebuild reads every record).
   */
  foldedThrough: z.string().nullable().default(null),
  repositories: z.number().int().nonnegative(),
  evaluated: z.number().int().nonnegative(),
  score: z.number().nullable(),
  outcomes: OutcomeCounts,
  oldestEvaluatedAt: z.string().nullable(),
  frameworks: z.array(FrameworkStatus).default([]),
  controlRates: z.array(ControlRate).default([]),
  /** What needs a person's attention, capped so the meta stays small. */
  attention: z
    .object({ notEvaluable: z.array(NotEvaluableItem), excepted: z.array(ExceptedItem), advisory: z.array(AdvisoryItem) })
    .default({ notEvaluable: [], excepted: [], advisory: [] }),
});
export type SummaryMeta = z.infer<typeof SummaryMeta>;

/** An attention item without its subject (the row it is kept in names the subject). */
const RowAttention = z.object({
  notEvaluable: z.array(NotEvaluableItem.omit({ subject: true, subjectUuid: true })).default([]),
  excepted: z.array(ExceptedItem.omit({ subject: true, subjectUuid: true })).default([]),
  advisory: z.array(z.string()).default([]),
});

/**
 * A repository's row as the summary keeps it (services/summary.ts): what the dashboard shows, plus what the hourly
 * plan and the next incremental rebuild need, so neither reads the repository records: the last evaluation's cost,
 * each control's outcome (`excepted` for an excepted fail) and the items needing attention.
 */
export const IndexRow = SummaryRow.extend({
  requests: z.number().int().nonnegative().default(0),
  outcomes: z.record(z.string(), z.enum(['pass', 'fail', 'excepted', 'not-evaluable', 'not-applicable'])).default({}),
  attention: RowAttention.optional(),
});
export type IndexRow = z.infer<typeof IndexRow>;

/**
 * A chunk of rows as stored: each row's outcomes as one letter per control of the chunk's `controls` (`p` pass,
 * `f` fail, `x` excepted fail, `n` not-evaluable, `a` not-applicable, `-` none), and its counts and failing
 * controls left to be derived from them: a third of the row's size, and of the units every read of it costs.
 */
export const StoredIndexRow = IndexRow.omit({ counts: true, failing: true, outcomes: true }).extend({ o: z.string() });
export const SummaryChunk = z.object({ controls: z.array(z.string()), rows: z.array(StoredIndexRow) });

/** One error Bitbucket answered the app with, kept a week for the Health tab (services/request-ledger.ts records them). */
export const FailureRecord = z.object({
  at: z.string(),
  /** What the app was doing: the hourly scan, a pull-request event, a merge check. */
  operation: z.string(),
  path: z.string(),
  status: z.number().int().nullable(),
  kind: z.string(),
  message: z.string(),
  /** The repository the request was about (uuid without braces), when the path names one. */
  repositoryUuid: z.string().nullable(),
});
export type FailureRecord = z.infer<typeof FailureRecord>;

/** A change to a repository record, written in the record's transaction, until the summary has folded it in. */
export const ChangeMarker = z.object({ uuid: z.string(), at: z.string() });

/**
 * One evidence download the dashboard granted: what to build, for whom, and which repositories that person can
 * read in Bitbucket (decided when it was granted, as the user). Used once, within its expiry.
 */
export const DownloadGrant = z.object({
  /** An evidence file (`csv`, `json`, `summary`), or the findings: every repository's results (`findings-csv`, `findings-json`). */
  format: z.enum([
    'csv',
    'json',
    'summary',
    'findings-csv',
    'findings-json',
    'access-review-csv',
    'access-review-json',
    'access-review-html',
  ]),
  /** For an access review's export: which review. */
  reviewId: z.string().optional(),
  since: z.string(),
  until: z.string(),
  accountId: z.string(),
  workspace: z.object({ uuid: z.string(), slug: z.string() }),
  /** `all`: a workspace administrator, who can read every repository. */
  repositories: z.union([z.literal('all'), z.array(z.string()).max(5000)]),
  expiresAt: z.string(),
});
export type DownloadGrant = z.infer<typeof DownloadGrant>;

/** An administrator's request to read a period's evidence from Bitbucket (`evidence-period` jobs), and how far it got. */
export const EvidencePeriodState = z.object({
  since: z.string(),
  until: z.string(),
  requestedBy: z.string(),
  requestedAt: z.string(),
  /** Repositories done so far (covered or not), of how many (null until listed). */
  done: z.number().int().min(0),
  repositories: z.number().int().min(0).nullable(),
  recorded: z.number().int().min(0),
  /** What could not be covered, by repository: none means the ledger holds the whole period. */
  gaps: z.array(z.object({ repository: z.string(), reason: z.string() })).max(500),
  finishedAt: z.string().nullable(),
});
export type EvidencePeriodState = z.infer<typeof EvidencePeriodState>;

export const ScanState = z.object({
  installedAt: z.string().nullable().default(null),
  lastPlanAt: z.string().nullable().default(null),
  /** When the scheduled trigger behind the last plan fired (null before the first, or for plans queued before it was kept). */
  lastPlanFiredAt: z.string().nullable().default(null),
  /** When every repository had last been evaluated within one pass. */
  lastFullPassAt: z.string().nullable().default(null),
  workspaceEvaluatedAt: z.string().nullable().default(null),
  /** Requests an hour the planner may spend; lowered after a 429, raised slowly. */
  hourlyBudget: z.number().int().positive().default(800),
  rateLimitedAt: z.string().nullable().default(null),
  nearLimitAt: z.string().nullable().default(null),
  /** When an administrator last pressed "Scan now" (rate-limited to one every 10 minutes). */
  scanNowAt: z.string().nullable().default(null),
  /** When the last re-plan an administrator caused (Scan now, a policy save) runs: they share one per 10 minutes. */
  manualPlanAt: z.string().nullable().default(null),
  repositories: z.number().int().nonnegative().default(0),
  /** The last plan's repository list was cut short (a dangling `next`, a page cap): some may be missing. */
  truncated: z.boolean().default(false),
  /** Why the last plan could not list the repositories at all (null when it could). */
  listingError: z.string().nullable().default(null),
  /** Hours to evaluate every repository once at the current budget (the stated freshness). */
  hoursPerFullPass: z.number().nonnegative().nullable().default(null),
  /**
   * Plans leave out repositories whose stored results are newer than the repository's last change
   * (`attest scan --incremental`): settings changes without an event are then missed, which is why it is opt-in.
   */
  reuseUnchanged: z.boolean().default(false),
  /**
   * Reads the credentials were refused when their reach was checked (`attest scan`), by need: not asked again
   * for every repository; the controls that need them are not-evaluable with this message.
   */
  refusedNeeds: z.record(z.string(), z.object({ at: z.string(), message: z.string() })).default({}),
});
export type ScanState = z.infer<typeof ScanState>;

/**
 * Display names of the workspace's people, by account id: read with the members listing (and with the permissions
 * of those who act as administrators), so the UI names people instead of showing their account ids.
 */
export const PeopleChunk = z.object({ people: z.record(z.string(), z.string()) });
export const PeopleMeta = z.object({ chunks: z.number().int().nonnegative(), updatedAt: z.string() });
