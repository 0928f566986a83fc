/**
 * Bitbucket and Forge hand out UUIDs wrapped in braces (`{0f3c…}`): event payloads, `context.workspaceId`,
 * `context.extension`. KVS keys may not contain braces (docs/platform-facts.md §7), and route paths need them
 * wrapped. Atlassian documents `wrapUuid`/`unwrapUuid` in `@forge/bitbucket`, which our registry does not
 * carry (docs/platform-facts.md §1), so they live here.
 */
const BARE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `{abc…}` or `abc…` → `abc…` (lower case). Throws on anything that is not a UUID. */
export function unwrapUuid(value: string): string {
  const trimmed = value.trim();
  const inner = trimmed.startsWith('{') && trimmed.endsWith('}') ? trimmed.slice(1, -1) : trimmed;
  if (!BARE_UUID.test(inner)) {
    throw new Error(`not a UUID: ${JSON.stringify(value.slice(0, 60))}`);
  }
  return inner.toLowerCase();
}

/** `abc…` or `{abc…}` → `{abc…}` (lower case). Throws on anything that is not a UUID. */
export function wrapUuid(value: string): string {
  return `{${unwrapUuid(value)}}`;
}

export function isUuid(value: string): boolean {
  try {
    unwrapUuid(value);
    return true;
  } catch {
    return false;
  }
}
