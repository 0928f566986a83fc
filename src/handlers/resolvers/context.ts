/** What a resolver call carries: the payload from the UI, and the context Forge vouches for. */
import { z } from 'zod';
import { isUuid, unwrapUuid } from '../../lib/uuid';

export interface ResolverRequest {
  payload?: unknown;
  context?: { extension?: unknown; accountId?: string; workspaceId?: string; installContext?: string; license?: unknown };
}

const Extension = z.object({
  repository: z.object({ uuid: z.string() }).partial().optional(),
  pullRequest: z
    .object({ id: z.union([z.number(), z.string()]) })
    .partial()
    .optional(),
});

export function extensionOf(request: ResolverRequest): z.infer<typeof Extension> {
  const parsed = Extension.safeParse(request.context?.extension ?? {});
  return parsed.success ? parsed.data : {};
}

/** The workspace and calling user from Forge's context (never from the payload). */
export function callerOf(request: ResolverRequest): { accountId: string | null; workspaceUuid: string | null } {
  const workspaceId = request.context?.workspaceId;
  const fromAri = request.context?.installContext?.match(/workspace\/(\{?[0-9a-fA-F-]{36}\}?)$/)?.[1];
  const workspace = workspaceId && isUuid(workspaceId) ? workspaceId : fromAri && isUuid(fromAri) ? fromAri : null;
  return { accountId: request.context?.accountId ?? null, workspaceUuid: workspace ? unwrapUuid(workspace) : null };
}
