/**
 * What the preview page and the preview server say to each other, checked with zod on both sides. The
 * page's configuration is inlined into the HTML; `invoke` is the only call.
 */
import { z } from 'zod';
import type { ForgeDoc } from '../ui/forge-doc';

export const PREVIEW_MODULES = ['dashboard', 'settings', 'repository-card', 'pull-request-card', 'forgedoc'] as const;
export type PreviewModule = (typeof PREVIEW_MODULES)[number];

export const PreviewConfig = z.object({
  module: z.enum(PREVIEW_MODULES),
  /** The manifest key of the module, what `extension.type` is in Bitbucket. */
  moduleKey: z.string().nullable(),
  title: z.string(),
  /** Where Bitbucket places the module, and so how wide it is shown. */
  placement: z.object({ kind: z.enum(['page', 'sidebar-card']), width: z.number().nullable(), where: z.string() }),
  context: z.record(z.string(), z.unknown()),
  workspace: z.object({ slug: z.string(), uuid: z.string() }),
  repository: z.string().nullable(),
  pullRequest: z.number().nullable(),
  as: z.string(),
  people: z.array(z.object({ accountId: z.string(), name: z.string() })),
  repositories: z.array(
    z.object({ slug: z.string(), pullRequests: z.array(z.object({ id: z.number(), title: z.string(), state: z.string() })) }),
  ),
});
export type PreviewConfig = z.infer<typeof PreviewConfig>;

export const InvokeRequest = z
  .object({
    module: z.enum(['dashboard', 'settings', 'repository-card', 'pull-request-card']),
    functionKey: z.string().min(1).max(200),
    payload: z.unknown(),
    repository: z.string().max(200).nullable(),
    pullRequest: z.number().int().positive().nullable(),
    as: z.string().min(1).max(200),
  })
  .strict();
export type InvokeRequest = z.infer<typeof InvokeRequest>;

export const InvokeResponse = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), message: z.string() }),
]);
export type InvokeResponse = z.infer<typeof InvokeResponse>;

/** A ForgeDoc node as `attest render` prints it (handlers are not in the JSON). */
export const ForgeDocNode: z.ZodType<ForgeDoc> = z.lazy(() =>
  z.object({
    type: z.string().min(1),
    props: z.record(z.string(), z.unknown()).default({}),
    children: z.array(ForgeDocNode).default([]),
    key: z.string().nullish(),
  }),
);

/** One line naming what is wrong, for an error shown to a person. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'value'}: ${issue.message}`).join('; ');
}
