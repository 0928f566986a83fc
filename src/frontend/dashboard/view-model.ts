import { z } from 'zod';

const Row = z.object({
  uuid: z.string(),
  slug: z.string(),
  name: z.string(),
  projectKey: z.string().nullable(),
  isPrivate: z.boolean().nullable(),
  mainBranch: z.string().nullable(),
  observedAt: z.string(),
});

const Dashboard = z.object({
  lastScanAt: z.string().nullable(),
  lastScanCause: z.string().nullable(),
  truncated: z.boolean(),
  repositories: z.array(Row),
});
export type DashboardViewModel = z.infer<typeof Dashboard>;

/** Parses the `dashboard/get` data; `null` when it is not in the expected shape. */
export function DashboardView(data: unknown): DashboardViewModel | null {
  const parsed = Dashboard.safeParse(data);
  return parsed.success ? parsed.data : null;
}
