/**
 * The one contract between the UI modules and their resolvers: for every resolver key, the payload it
 * accepts and the data it answers, as zod schemas both sides import. The resolvers are typed to produce
 * what the UI parses (src/handlers/resolvers/ui-resolver.ts), and `callResolver`/`useResolver` infer the
 * payload and the answer from the key (src/frontend/shared/use-resolver.ts): nothing is copied or cast.
 * Server-only rules (known control ids, dates in the future) are added to these schemas by the resolvers.
 */
import { z } from 'zod';
import { Outcome } from '../controls/outcome';
import { isUuid } from '../lib/uuid';
import { Policy } from '../policy/policy';
import {
  AdvisoryItem,
  EvidencePeriodState,
  ExceptedItem,
  FailureRecord,
  HistoryEntry,
  NotEvaluableItem,
  StoredResult,
  SummaryMeta,
  SummaryRow,
} from '../store/records';
import { FlowOverview, FlowSyncState, KeyNumbers, TableRow } from '../store/flow-records';
import { DeploymentCoverage, FlowFigures } from '../metrics/summarize';

const Uuid = z.string().refine(isUuid, 'expected a repository UUID');
const IsoDate = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'expected a date (YYYY-MM-DD)');
const Empty = z.strictObject({});

// ---- answers ----------------------------------------------------------------------------------------

/** A repository's row: what the summary keeps for it, as it is kept. */
export const Row = SummaryRow;
export type Row = z.infer<typeof Row>;

/** The workspace summary as stored, less its chunk count and each attention item's repository UUID (used to filter). */
const SummaryView = SummaryMeta.omit({ chunks: true, attention: true }).extend({
  attention: z.object({
    notEvaluable: z.array(NotEvaluableItem.omit({ subjectUuid: true })),
    excepted: z.array(ExceptedItem.omit({ subjectUuid: true })),
    advisory: z.array(AdvisoryItem.omit({ subjectUuid: true })),
  }),
});

export const Freshness = z.object({
  lastPlanAt: z.string().nullable(),
  hourlyBudget: z.number(),
  hoursPerFullPass: z.number().nullable(),
  rateLimitedAt: z.string().nullable(),
  /** Requests the app made as itself in the last hour (the request ledger), and the most scans may take of it. */
  requestsLastHour: z.number().int().nonnegative(),
  scanShare: z.number().int().nonnegative(),
  truncated: z.boolean(),
  lastFullPassAt: z.string().nullable(),
  installedAt: z.string().nullable(),
  /** Repositories the last plan listed (0 before the first). */
  repositories: z.number().int().nonnegative(),
});

const ControlTitles = z.record(z.string(), z.object({ title: z.string(), severity: z.string() }));

/** Display names by account id, for the account ids an answer carries (those Attest knows a name for). */
export const People = z.record(z.string(), z.string());

/** The server's time when it answered: what "2 hours ago" is measured from (the local runtime's clock runs simulated). */
const Now = z.string();

export const DashboardView = z.object({
  summary: SummaryView.nullable(),
  workspaceResults: z.array(StoredResult.pick({ control: true, outcome: true, message: true })),
  freshness: Freshness,
  history: z.array(HistoryEntry.omit({ subject: true })),
  controls: ControlTitles,
  people: People,
  now: Now,
});
export type DashboardViewModel = z.infer<typeof DashboardView>;

export const RepositoriesView = z.object({ generatedAt: z.string().nullable(), repositories: z.array(Row) });

export const EvidenceView = z.object({
  since: z.string(),
  until: z.string(),
  merged: z.number(),
  compliant: z.number(),
  share: z.number().nullable(),
  nonCompliant: z.array(
    z.object({
      repositorySlug: z.string(),
      pullRequestId: z.number(),
      title: z.string(),
      independentlyApproved: z.boolean(),
      passingBuild: z.boolean(),
      mergedAt: z.string(),
      reason: z.string(),
      url: z.string().nullable().default(null),
    }),
  ),
  csv: z.string(),
  /** How much of the period the ledger holds, for the repositories the caller can read. */
  coverage: z.object({
    repositories: z.number(),
    covered: z.number(),
    /** Repositories whose ledger was not read from the API back to the period's start. */
    notCovered: z.array(z.object({ slug: z.string(), heldFrom: z.string().nullable(), checkedAt: z.string().nullable() })),
    /** Every covered repository was reconciled with the API up to this instant; merges after it come from events. */
    reconciledUntil: z.string().nullable(),
    /** The period reaches past now: complete up to this instant. */
    openUntil: z.string().nullable(),
  }),
  /** This period's reading from Bitbucket, when an administrator asked for one (`evidence/backfill`). */
  backfill: EvidencePeriodState.omit({ requestedBy: true }).nullable().default(null),
});
export type EvidenceView = z.infer<typeof EvidenceView>;

/** `evidence/verify`: the hash chains of the repositories the caller can read, recomputed (src/store/evidence-chain.ts). */
export const LedgerCheck = z.object({
  intact: z.boolean(),
  records: z.number(),
  /** Repositories not reached before the resolver's time ran out: `attest evidence verify` checks them all. */
  unverified: z.number(),
  repositories: z.array(
    z.object({
      slug: z.string(),
      records: z.number(),
      links: z.number(),
      problem: z
        .object({ kind: z.string(), seq: z.number().nullable(), pullRequestId: z.number().nullable(), detail: z.string() })
        .nullable(),
    }),
  ),
});
export type LedgerCheck = z.infer<typeof LedgerCheck>;

export const CardResult = z.object({
  control: z.string(),
  outcome: Outcome,
  message: z.string(),
  remediation: z.array(z.string()).optional(),
  enforced: z.boolean().optional(),
  exception: z.object({ reason: z.string(), expiresOn: z.string(), expired: z.boolean() }).partial().optional(),
});
export type CardResult = z.infer<typeof CardResult>;

export const RepositoryCardView = z.object({
  repository: z
    .object({
      slug: z.string(),
      score: z.number().nullable(),
      classification: z.string(),
      evaluatedAt: z.string().nullable(),
      results: z.array(CardResult).nullable(),
    })
    .nullable(),
  controls: ControlTitles,
  now: Now,
  /** Where the workspace's scan stands, when this repository has no results yet (null otherwise). */
  progress: z.object({ evaluated: z.number(), repositories: z.number(), hoursPerFullPass: z.number().nullable() }).nullable(),
  /** Its delivery numbers (docs/delivery-metrics.md); optional so a card deployed before them still parses. */
  delivery: z.lazy(() => RepositoryDelivery).optional(),
});

export const PullRequestCardView = z.object({
  pullRequest: z
    .object({
      protectedDestination: z.boolean(),
      destination: z.string().nullable(),
      evaluatedAt: z.string(),
      checks: z.array(
        z.object({
          id: z.string(),
          title: z.string(),
          outcome: Outcome,
          message: z.string(),
        }),
      ),
    })
    .nullable(),
  repository: z
    .object({
      slug: z.string(),
      htmlUrl: z.string().nullable(),
      mergeChecksEnforced: Outcome.nullable(),
    })
    .nullable(),
  now: Now,
});

export const PolicyView = z.object({
  policy: Policy,
  /** The caller is not a workspace administrator: what names people was left out of `policy`. */
  redacted: z.boolean().default(false),
  controls: z.record(z.string(), z.object({ title: z.string() })),
  controlIds: z.array(z.string()),
  people: People,
  /** The workspace's members by name, for the people pickers (administrators only; empty for others). */
  members: z.array(z.object({ accountId: z.string(), name: z.string() })),
  /**
   * With nothing classified yet, a rule per project to start from (administrators only): how many repositories
   * each covers, and production unless the key reads like a sandbox.
   */
  proposedRules: z.array(
    z.object({ project: z.string(), classification: z.enum(['production', 'non-production']), repositories: z.number() }),
  ),
});
export type PolicyView = z.infer<typeof PolicyView>;

const PolicySaved = z.object({ policy: Policy });
const Queued = z.object({ queuedAt: z.string() });
/** `evidence/download`: a link that serves the file once, until `expiresAt` (src/handlers/resolvers/evidence-download.ts). */
/** `evidence/backfill`: the period being read from Bitbucket on request, and how far it got. */
const BackfillAnswer = z.object({ state: EvidencePeriodState });
const DownloadLink = z.object({ url: z.url(), expiresAt: z.string(), filename: z.string() });

/** `health/get`: the errors Bitbucket answered the app with in the last 7 days, newest first (administrators). */
export const HealthView = z.object({
  failures: z.array(FailureRecord.extend({ repository: z.string().nullable() })),
  /** More were kept than shown (the newest 500 of at most 1,000 read). */
  truncated: z.boolean(),
});
export type HealthView = z.infer<typeof HealthView>;

/** `health/test`: one read per scope the app needs, as the app, and the hour's headroom (administrators). */
export const ConnectionView = z.object({
  testedAt: z.string(),
  listing: z.enum(['granted', 'refused', 'unknown']),
  probes: z.array(
    z.object({
      what: z.string(),
      scope: z.string(),
      answer: z.enum(['granted', 'refused', 'unknown']),
      status: z.number().nullable(),
      controls: z.array(z.string()),
    }),
  ),
  requestsLastHour: z.number(),
  hourlyLimit: z.number(),
  hourlyBudget: z.number(),
});
export type ConnectionView = z.infer<typeof ConnectionView>;

// ---- payloads ---------------------------------------------------------------------------------------

export const EvidencePayload = z.strictObject({ since: IsoDate, until: IsoDate });
export const EvidenceDownloadPayload = z.strictObject({ since: IsoDate, until: IsoDate, format: z.enum(['csv', 'json', 'summary']) });
/** `findings/download`: every repository's results the caller can read, as the `attest scan` CSV or JSON. */
export const FindingsDownloadPayload = z.strictObject({ format: z.enum(['csv', 'json']) });
export const RepositoryPayload = z.strictObject({ repositoryUuid: Uuid.optional() });
export const PullRequestPayload = z.strictObject({
  repositoryUuid: Uuid.optional(),
  pullRequestId: z.number().int().positive().optional(),
});
const ReviewId = z.string().regex(/^ar-[0-9a-f]{12}$/, 'expected an access review id');
const ReviewDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date (YYYY-MM-DD)');
const AccountRef = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9:_-]+$/, 'expected an Atlassian account id');
export const AccessReviewStart = z.strictObject({
  projects: z.array(z.string().min(1).max(64)).min(1).max(500).nullable(),
  dueOn: ReviewDate,
  owner: AccountRef,
  reviewersByProject: z.record(z.string().min(1).max(64), AccountRef).default({}),
});
export const AccessReviewRef = z.strictObject({ id: ReviewId });
export const AccessReviewDecide = z.strictObject({
  id: ReviewId,
  decisions: z
    .array(
      z.strictObject({
        itemId: z.string().regex(/^[0-9a-f]{20}$/, 'expected an item id'),
        decision: z.enum(['keep', 'revoke', 'change']),
        reason: z.string().trim().max(2000).optional(),
        change: z.string().trim().max(500).optional(),
      }),
    )
    .min(1)
    .max(500),
});
export const AccessReviewExport = z.strictObject({ id: ReviewId, format: z.enum(['csv', 'json', 'html']) });
const ReviewSummary = z.object({
  id: z.string(),
  state: z.enum(['snapshotting', 'open', 'completed']),
  projects: z.array(z.string()).nullable(),
  dueOn: z.string(),
  startedAt: z.string(),
  startedBy: z.string(),
  owner: z.string(),
  overdue: z.boolean(),
  items: z.number(),
  decided: z.number(),
  /** Items the caller decides that are still open. */
  mine: z.number(),
  completedAt: z.string().nullable(),
  hash: z.string().nullable(),
});
const AccessReviewsView = z.object({
  reviews: z.array(ReviewSummary),
  admin: z.boolean(),
  members: z.array(z.object({ accountId: z.string(), name: z.string() })),
  projects: z.array(z.object({ key: z.string(), name: z.string() })),
});
const ReviewItemView = z.object({
  id: z.string(),
  kind: z.enum(['member', 'user-grant', 'group-grant', 'deploy-key']),
  name: z.string(),
  accountId: z.string().nullable(),
  permission: z.string(),
  scope: z.enum(['workspace', 'project', 'repository']),
  target: z.string(),
  project: z.string().nullable(),
  has2fa: z.boolean().nullable(),
  reach: z.object({ read: z.number(), write: z.number(), admin: z.number() }).nullable(),
  addedOn: z.string().nullable(),
  lastUsed: z.string().nullable(),
  reviewer: z.string(),
  suggestion: z.object({ decision: z.enum(['keep', 'revoke']), reason: z.string() }).nullable(),
  unchanged: z.boolean(),
  decision: z
    .object({
      decision: z.enum(['keep', 'revoke', 'change']),
      reason: z.string().nullable(),
      change: z.string().nullable(),
      decidedBy: z.string(),
      decidedAt: z.string(),
    })
    .nullable(),
  canDecide: z.boolean(),
});
const AccessReviewView = z.object({
  review: ReviewSummary,
  gaps: z.array(z.object({ what: z.string(), reason: z.string() })),
  items: z.array(ReviewItemView),
  byDecision: z.object({ keep: z.number(), revoke: z.number(), change: z.number() }),
  canComplete: z.boolean(),
  followUps: z.array(z.object({ name: z.string(), target: z.string(), decidedAt: z.string(), goneAt: z.string().nullable() })),
});
const Decided = z.object({ decided: z.number() });
const ReviewStarted = z.object({ id: z.string(), state: z.enum(['snapshotting', 'open', 'completed']) });
const ReviewCompleted = z.object({ id: z.string(), hash: z.string(), completedAt: z.string() });

export const PolicyUpdate = z.strictObject({
  minApprovals: z.number().optional(),
  maxWorkspaceAdmins: z.number().optional(),
  minBuildSuccessRate: z.number().optional(),
  buildWindowDays: z.number().optional(),
  reviewWindowDays: z.number().optional(),
  securityScanners: z.array(z.string()).optional(),
  serviceAccounts: z.array(z.string()).optional(),
  classification: z.unknown().optional(),
  disabledControls: z.array(z.string()).optional(),
  issueKeyPattern: z.string().nullable().optional(),
  protectedBranches: z.array(z.string()).nullable().optional(),
  mergeCheckOnError: z.enum(['block', 'allow']).optional(),
  requireApprovalOfHead: z.boolean().optional(),
  accessReviewIntervalDays: z.number().optional(),
  revokeGraceDays: z.number().optional(),
  maxDeployKeyAgeDays: z.number().optional(),
  accessReviewAdmins: z.array(z.string()).optional(),
  groupsOnlyOnProduction: z.boolean().optional(),
  maxReportAgeDays: z.number().optional(),
  maxCriticalFindings: z.number().optional(),
  maxHighFindings: z.number().optional(),
  secretVariableWords: z.array(z.string()).optional(),
  postCodeInsights: z.boolean().optional(),
  checkPullRequestSecurityReports: z.boolean().optional(),
  rubberStampMinutes: z.number().optional(),
  largeDiffLines: z.number().optional(),
  hotfixBranches: z.array(z.string()).optional(),
  maxReviewHours: z.number().nullable().optional(),
});
export const ExceptionInput = z.strictObject({
  control: z.string(),
  repository: z.string().min(1).max(128),
  reason: z.string().trim().min(1).max(2000),
  expiresOn: z.string(),
});
export const RevokeInput = z.strictObject({ id: z.string().regex(/^[0-9a-f]{16}$/, 'expected the id of an exception or attestation') });
export const AttestationInput = z.strictObject({
  control: z.enum(['BB-MFA-1', 'BB-MFA-2']),
  statement: z.string().trim().min(1).max(2000),
  evidenceUrl: z.url().max(2000).optional(),
  expiresOn: z.string(),
});
export const OffboardedInput = z.union([
  z.strictObject({
    people: z.array(z.strictObject({ accountId: z.string(), name: z.string().max(200).optional(), offboardedOn: z.string() })).max(5000),
  }),
  z.strictObject({ csv: z.string().max(1_000_000) }),
]);
export const RecheckInput = z.strictObject({ repositoryUuid: Uuid.optional() });

// ---- delivery metrics --------------------------------------------------------------------------------

export const DeliveryPayload = z.strictObject({
  weeks: z.union([z.literal(4), z.literal(12), z.literal(26)]).default(12),
  page: z.number().int().min(0).max(1000).default(0),
});

/** BB-FLOW-1 (advisory, never in the score): the workspace's median time to first review against `maxReviewHours`. */
export const FlowAdvisory = z.object({
  id: z.literal('BB-FLOW-1'),
  outcome: z.enum(['pass', 'fail', 'not-applicable']),
  detail: z.string(),
});

export const DeliveryView = z.object({
  overview: z
    .object({
      computedAt: z.string(),
      repositories: z.number(),
      coverage: DeploymentCoverage,
      window: FlowOverview.shape.windows.element,
      series: FlowOverview.shape.series,
    })
    .nullable(),
  /** The page's repositories the caller can read in Bitbucket, most merges first. */
  rows: z.array(TableRow),
  page: z.number(),
  /** Projects' numbers, for workspace administrators (a project's figures include repositories a member may not read). */
  projects: z.array(z.object({ project: z.string().nullable(), repositories: z.number(), numbers: KeyNumbers })).nullable(),
  advisory: FlowAdvisory,
  sync: FlowSyncState,
  now: Now,
});

/** A repository's own delivery numbers for the card (12 weeks), null until its weeks were rolled up. */
export const RepositoryDelivery = z
  .object({ weeks: z.number(), computedAt: z.string(), coverage: DeploymentCoverage, numbers: KeyNumbers, figures: FlowFigures })
  .nullable();

// ---- the keys ---------------------------------------------------------------------------------------

export const RESOLVERS = {
  'dashboard/get': { input: Empty, output: DashboardView },
  'dashboard/repositories': { input: Empty, output: RepositoriesView },
  'evidence/get': { input: EvidencePayload, output: EvidenceView },
  'evidence/verify': { input: Empty, output: LedgerCheck },
  'evidence/download': { input: EvidenceDownloadPayload, output: DownloadLink },
  'evidence/backfill': { input: EvidencePayload, output: BackfillAnswer },
  'findings/download': { input: FindingsDownloadPayload, output: DownloadLink },
  'scan/now': { input: Empty, output: Queued },
  'health/get': { input: Empty, output: HealthView },
  'health/test': { input: Empty, output: ConnectionView },
  'access-review/list': { input: Empty, output: AccessReviewsView },
  'access-review/get': { input: AccessReviewRef, output: AccessReviewView },
  'access-review/start': { input: AccessReviewStart, output: ReviewStarted },
  'access-review/decide': { input: AccessReviewDecide, output: Decided },
  'access-review/keep-unchanged': { input: AccessReviewRef, output: Decided },
  'access-review/complete': { input: AccessReviewRef, output: ReviewCompleted },
  'access-review/export': { input: AccessReviewExport, output: DownloadLink },
  'repository/get': { input: RepositoryPayload, output: RepositoryCardView },
  'delivery/get': { input: DeliveryPayload, output: DeliveryView },
  'repository/recheck': { input: RecheckInput, output: Queued },
  'pull-request/get': { input: PullRequestPayload, output: PullRequestCardView },
  'policy/get': { input: Empty, output: PolicyView },
  'policy/update': { input: PolicyUpdate, output: PolicySaved },
  'exceptions/add': { input: ExceptionInput, output: PolicySaved },
  'exceptions/revoke': { input: RevokeInput, output: PolicySaved },
  'attestations/add': { input: AttestationInput, output: PolicySaved },
  'attestations/revoke': { input: RevokeInput, output: PolicySaved },
  'offboarded/set': { input: OffboardedInput, output: PolicySaved },
} as const;

export type ResolverKey = keyof typeof RESOLVERS;
/** What the UI may send for `K`. */
export type ResolverInput<K extends ResolverKey> = z.input<(typeof RESOLVERS)[K]['input']>;
/** What the UI receives for `K`, parsed. */
export type ResolverOutput<K extends ResolverKey> = z.infer<(typeof RESOLVERS)[K]['output']>;
/** What the resolver for `K` must produce (before defaults are filled in by the parse). */
export type ResolverAnswer<K extends ResolverKey> = z.input<(typeof RESOLVERS)[K]['output']>;
