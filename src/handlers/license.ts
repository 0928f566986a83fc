/**
 * The app's licence, as Forge hands it to every function in its context: `license` with `active` (and the
 * deprecated `isActive`), present for paid apps in production and absent in development and staging environments
 * (https://developer.atlassian.com/platform/forge/function-reference/arguments/). Resolvers get it through
 * @forge/resolver (`context.license`, read from the runtime payload in its out/index.js). An installation whose
 * licence is not active sees a clear state instead of its data, and the app reads nothing from Bitbucket for it.
 */
import { z } from 'zod';

const Licensed = z.object({
  license: z
    .object({
      active: z.boolean().optional(),
      isActive: z.boolean().optional(),
      isEvaluation: z.boolean().nullish(),
      subscriptionEndDate: z.string().nullish(),
      trialEndDate: z.string().nullish(),
    })
    .nullish(),
});

export type LicenseState = 'active' | 'inactive' | 'not-applicable';

/** `not-applicable`: no licence in the context (a development or staging environment, or a free listing). */
export function licenseState(context: unknown): LicenseState {
  const parsed = Licensed.safeParse(context ?? {});
  // A licence in a shape Forge does not document is not taken as active.
  if (!parsed.success) return 'inactive';
  const license = parsed.data.license;
  if (license == null) return 'not-applicable';
  return (license.active ?? license.isActive) === true ? 'active' : 'inactive';
}

export const UNLICENSED_MESSAGE =
  'Attest’s licence for this workspace is not active, so its checks are paused and nothing is shown. A workspace administrator can start or renew the subscription in Workspace settings → Manage apps; results come back with the next hourly check.';
