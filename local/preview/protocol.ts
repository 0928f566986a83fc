/**
 * What the preview page and the preview server say to each other. The page's configuration is inlined into
 * the HTML; `invoke` is the only call, and its body is checked on the server like any resolver payload.
 */
import { z } from 'zod';

export const PREVIEW_MODULES = ['dashboard', 'settings', 'repository-card', 'pull-request-card', 'forgedoc'] as const;
export type PreviewModule = (typeof PREVIEW_MODULES)[number];

export interface PreviewConfig {
  module: PreviewModule;
  /** The manifest key of the module, what `extension.type` is in Bitbucket. */
  moduleKey: string | null;
  title: string;
  /** Where Bitbucket places the module, and so how wide it is shown. */
  placement: { kind: 'page' | 'sidebar-card'; width: number | null; where: string };
  context: Record<string, unknown>;
  workspace: { slug: string; uuid: string };
  repository: string | null;
  pullRequest: number | null;
  as: string;
  people: Array<{ accountId: string; name: string }>;
  repositories: Array<{ slug: string; pullRequests: Array<{ id: number; title: string; state: string }> }>;
}

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

export type InvokeResponse = { ok: true; result: unknown } | { ok: false; message: string };
