import { z } from 'zod';

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

const Dashboard = z.object({
  summary: z
    .object({ generatedAt: z.string(), repositories: z.number(), evaluated: z.number(), score: z.number().nullable(), outcomes: Counts, oldestEvaluatedAt: z.string().nullable() })
    .nullable(),
  repositories: z.array(Row),
  workspaceResults: z.array(z.object({ control: z.string(), outcome: z.enum(['pass', 'fail', 'not-evaluable', 'not-applicable']), message: z.string() })),
  freshness: z.object({ lastPlanAt: z.string().nullable(), hourlyBudget: z.number(), hoursPerFullPass: z.number().nullable(), rateLimitedAt: z.string().nullable(), truncated: z.boolean() }),
});
export type DashboardViewModel = z.infer<typeof Dashboard>;

/** Parses the `dashboard/get` data; `null` when it is not in the expected shape. */
export function DashboardView(data: unknown): DashboardViewModel | null {
  const parsed = Dashboard.safeParse(data);
  return parsed.success ? parsed.data : null;
}
