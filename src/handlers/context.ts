/**
 * Reads the workspace of an invocation. Every Bitbucket function gets `context.workspaceId` (the wrapped
 * workspace UUID, docs/platform-facts.md §1); `installContext` (`ari:cloud:bitbucket::workspace/<uuid>`) is the
 * fallback for invocations that carry only that, such as scheduled triggers.
 */
import { InvocationContext } from '../bitbucket/forge-events';
import { isUuid, unwrapUuid } from '../lib/uuid';

export function workspaceOf(context: unknown): string | null {
  const parsed = InvocationContext.safeParse(context ?? {});
  if (!parsed.success) return null;
  const { workspaceId, installContext } = parsed.data;
  if (workspaceId && isUuid(workspaceId)) return unwrapUuid(workspaceId);
  const fromAri = installContext?.match(/workspace\/(\{?[0-9a-fA-F-]{36}\}?)$/)?.[1];
  return fromAri && isUuid(fromAri) ? unwrapUuid(fromAri) : null;
}
