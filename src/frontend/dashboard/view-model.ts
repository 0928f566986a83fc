/**
 * The dashboard's data and the pure functions behind its tables: filtering, searching, paging. Tested with
 * tables; the components only render what these return.
 */
import { z } from 'zod';

const Outcome = z.enum(['pass', 'fail', 'not-evaluable', 'not-applicable']);
const Counts = z.object({ pass: z.number(), fail: z.number(), 'not-evaluable': z.number(), 'not-applicable': z.number() });

const Row = z.object({
  uuid: z.string(),
  slug: z.string(),
  project: z.string().nullable(),
  classification: z.enum(['production', 'non-production', 'unclassified']),
  score: z.number().nullable(),
  counts: Counts,
  failing: z.array(z.string()),
  evaluatedAt: z.string().nullable(),
});
export type Row = z.infer<typeof Row>;

const Dashboard = z.object({
  summary: z
    .object({
      generatedAt: z.string(),
      repositories: z.number(),
      evaluated: z.number(),
      score: z.number().nullable(),
      outcomes: Counts,
      oldestEvaluatedAt: z.string().nullable(),
      frameworks: z.array(
        z.object({
          framework: z.enum(['soc2', 'iso27001', 'cis']),
          id: z.string(),
          controls: z.array(z.string()),
          outcomes: Counts,
          status: z.enum(['met', 'gaps', 'unknown']),
        }),
      ),
      controlRates: z.array(z.object({ control: z.string(), pass: z.number(), fail: z.number(), rate: z.number().nullable() })),
      attention: z.object({
        notEvaluable: z.array(z.object({ subject: z.string(), control: z.string(), message: z.string(), fix: z.string().nullable() })),
        excepted: z.array(
          z.object({
            subject: z.string(),
            control: z.string(),
            reason: z.string(),
            approvedBy: z.string(),
            expiresOn: z.string(),
            expired: z.boolean(),
          }),
        ),
        advisory: z.array(z.object({ subject: z.string(), control: z.string() })),
      }),
    })
    .nullable(),
  workspaceResults: z.array(z.object({ control: z.string(), outcome: Outcome, message: z.string() })),
  freshness: z.object({
    lastPlanAt: z.string().nullable(),
    hourlyBudget: z.number(),
    hoursPerFullPass: z.number().nullable(),
    rateLimitedAt: z.string().nullable(),
    truncated: z.boolean(),
    lastFullPassAt: z.string().nullable(),
    installedAt: z.string().nullable(),
  }),
  history: z.array(
    z.object({
      subjectName: z.string(),
      control: z.string(),
      from: Outcome.nullable(),
      to: Outcome.nullable(),
      at: z.string(),
      cause: z.string(),
      actor: z.string().nullable(),
    }),
  ),
  controls: z.record(z.string(), z.object({ title: z.string(), severity: z.string() })),
});
export type DashboardViewModel = z.infer<typeof Dashboard>;

/** Parses the `dashboard/get` data; `null` when it is not in the expected shape. */
export function DashboardView(data: unknown): DashboardViewModel | null {
  const parsed = Dashboard.safeParse(data);
  return parsed.success ? parsed.data : null;
}

const Repositories = z.object({ generatedAt: z.string().nullable(), repositories: z.array(Row) });
export type RepositoriesViewModel = z.infer<typeof Repositories>;

/** Parses the `dashboard/repositories` data (read only when the Repositories tab is opened). */
export function RepositoriesView(data: unknown): RepositoriesViewModel | null {
  const parsed = Repositories.safeParse(data);
  return parsed.success ? parsed.data : null;
}

export interface Filters {
  search: string;
  project: string | null;
  classification: string | null;
  /** `failing`: a control failed; `unreadable`: a control could not be checked; null: all. */
  outcome: 'failing' | 'unreadable' | 'passing' | null;
}

export const NO_FILTERS: Filters = { search: '', project: null, classification: null, outcome: null };

export function filterRows(rows: readonly Row[], filters: Filters): Row[] {
  const search = filters.search.trim().toLowerCase();
  return rows.filter(
    (row) =>
      (search === '' || row.slug.toLowerCase().includes(search) || row.failing.some((id) => id.toLowerCase().includes(search))) &&
      (filters.project === null || row.project === filters.project) &&
      (filters.classification === null || row.classification === filters.classification) &&
      (filters.outcome === null ||
        (filters.outcome === 'failing' && row.failing.length > 0) ||
        (filters.outcome === 'unreadable' && row.counts['not-evaluable'] > 0) ||
        (filters.outcome === 'passing' && row.failing.length === 0 && row.counts['not-evaluable'] === 0)),
  );
}

export function projectsOf(rows: readonly Row[]): string[] {
  return [...new Set(rows.map((row) => row.project).filter((project): project is string => project !== null))].sort();
}

export const FRAMEWORK_NAMES = {
  soc2: 'SOC 2 (2017 TSC)',
  iso27001: 'ISO/IEC 27001:2022 Annex A',
  cis: 'CIS Software Supply Chain v1.0',
} as const;
