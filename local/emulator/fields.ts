/**
 * Partial responses (`fields=`, BB/rest/intro/#partial-response): `-x` removes a field, `+x` adds one that
 * is not in the default representation, a plain `x` restricts the response to the listed fields.
 * Collections name their items `values.…`.
 */
export interface FieldSpec {
  include: string[];
  add: string[];
  remove: string[];
}

export function parseFields(raw: string | null): FieldSpec {
  const spec: FieldSpec = { include: [], add: [], remove: [] };
  if (!raw) return spec;
  for (const token of raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    if (token.startsWith('+')) spec.add.push(token.slice(1));
    else if (token.startsWith('-')) spec.remove.push(token.slice(1));
    else spec.include.push(token);
  }
  return spec;
}

/** Whether `path` (e.g. `values.user.has_2fa_enabled`) was asked for with `+` or by name. */
export function requested(spec: FieldSpec, path: string): boolean {
  return spec.add.includes(path) || spec.include.includes(path);
}

function project(value: unknown, paths: string[][]): unknown {
  if (paths.some((path) => path.length === 0)) return value;
  if (Array.isArray(value)) return value.map((item) => project(item, paths));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const matching = paths.filter((path) => path[0] === key || path[0] === '*').map((path) => path.slice(1));
    if (matching.length > 0) out[key] = project(child, matching);
  }
  return out;
}

function remove(value: unknown, path: string[]): void {
  if (Array.isArray(value)) return value.forEach((item) => remove(item, path));
  if (value === null || typeof value !== 'object' || path.length === 0) return;
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) delete (value as Record<string, unknown>)[head];
  else remove((value as Record<string, unknown>)[head], rest);
}

export function applyFields(body: unknown, spec: FieldSpec): unknown {
  let out = body;
  if (spec.include.length > 0)
    out = project(
      body,
      [...spec.include, ...spec.add].map((path) => path.split('.')),
    );
  for (const path of spec.remove) remove(out, path.split('.'));
  return out;
}
