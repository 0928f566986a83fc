/** Stored shapes of delivery metrics (./flow-store.ts for the keys; docs/delivery-metrics.md for the figures). */
import { z } from 'zod';
import { ProductionDeployment, RepositoryWeek } from '../metrics/weekly';
import { DeploymentCoverage, FlowFigures } from '../metrics/summarize';

/** A repository's production deployments as last read, and whether it has a production environment at all. */
export const DeploymentsRecord = z.object({
  readAt: z.string(),
  coverage: DeploymentCoverage,
  environments: z.array(z.object({ uuid: z.string(), name: z.string(), production: z.boolean() })),
  deployments: z.array(ProductionDeployment),
  /** More deployments than were read: the oldest may be missing. */
  truncated: z.boolean(),
  error: z.string().nullable(),
});
export type DeploymentsRecord = z.infer<typeof DeploymentsRecord>;

/** One repository's weeks (the retention, 26), recomputed from its facts when they change. */
export const RepositoryFlowRow = z.object({
  uuid: z.string(),
  slug: z.string(),
  project: z.string().nullable(),
  computedAt: z.string(),
  coverage: DeploymentCoverage,
  pullRequests: z.number().int(),
  weeks: z.array(RepositoryWeek),
});
export type RepositoryFlowRow = z.infer<typeof RepositoryFlowRow>;

/** The few numbers a table row or a project shows. */
export const KeyNumbers = z.object({
  opened: z.number().int(),
  merged: z.number().int(),
  mergedProtected: z.number().int(),
  declined: z.number().int(),
  independentShare: z.number().nullable(),
  firstReviewMedian: z.number().nullable(),
  approvalMedian: z.number().nullable(),
  cycleMedian: z.number().nullable(),
  cycleP85: z.number().nullable(),
  rubberStamps: z.number().int(),
  deployments: z.number().int(),
  changeFailureRate: z.number().nullable(),
  leadTimeMedian: z.number().nullable(),
  restoreMedian: z.number().nullable(),
});
export type KeyNumbers = z.infer<typeof KeyNumbers>;

export const TableRow = z.object({
  uuid: z.string(),
  slug: z.string(),
  project: z.string().nullable(),
  coverage: DeploymentCoverage,
  numbers: KeyNumbers,
});
export type TableRow = z.infer<typeof TableRow>;

export const WINDOWS = [4, 12, 26] as const;
export const RETENTION_WEEKS = 26;

/** The workspace's figures, written by the rollup: what the Delivery tab reads first (one value). */
export const FlowOverview = z.object({
  computedAt: z.string(),
  repositories: z.number().int(),
  coverage: DeploymentCoverage,
  windows: z.array(z.object({ weeks: z.number().int(), since: z.string(), figures: FlowFigures, tablePages: z.number().int() })),
  /** The workspace per week, oldest first (the retention). */
  series: z.array(z.object({ week: z.string(), figures: FlowFigures })),
});
export type FlowOverview = z.infer<typeof FlowOverview>;

export const ProjectNumbers = z.object({
  rows: z.array(z.object({ project: z.string().nullable(), repositories: z.number().int(), numbers: KeyNumbers })),
});

export const TablePage = z.object({ rows: z.array(TableRow) });

/** The sync passes: the backfill at install, then a daily read of deployments. */
export const FlowSyncState = z.object({
  pass: z
    .object({
      id: z.string(),
      mode: z.enum(['backfill', 'deployments']),
      startedAt: z.string(),
      updatedAt: z.string(),
      after: z.string().nullable(),
      /** Chunks of the pass's repository list (v1:fs:<pass>:<n>). */
      listChunks: z.number().int().nonnegative(),
      repositories: z.number().int(),
      pullRequests: z.number().int(),
      requests: z.number().int(),
    })
    .nullable(),
  backfilledAt: z.string().nullable(),
  lastPass: z
    .object({
      mode: z.enum(['backfill', 'deployments']),
      completedAt: z.string(),
      repositories: z.number().int(),
      pullRequests: z.number().int(),
      requests: z.number().int(),
    })
    .nullable(),
});
export type FlowSyncState = z.infer<typeof FlowSyncState>;

/** The repositories a sync pass goes through, in UUID order, as the hourly plan listed them (chunks of 2,000). */
export const PassList = z.object({ repositories: z.array(z.object({ uuid: z.string(), mainBranch: z.string().nullable() })) });
export const PASS_LIST_CHUNK = 2000;
