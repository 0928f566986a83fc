/**
 * Wiring checks @forge/manifest does not do (docs/offline-toolchain.md §3): every `handler` is an export of
 * src/index.ts, every export is used, module keys are unique across all modules (functions included),
 * and the events the code handles are exactly the events the manifest subscribes to.
 */
export interface WiringInput {
  manifest: Record<string, unknown>;
  exports: readonly string[];
  handledEvents: readonly string[];
}

interface ModuleEntry {
  key?: unknown;
  handler?: unknown;
  events?: unknown;
  function?: unknown;
  resolver?: { function?: unknown };
}

export function checkWiring({ manifest, exports, handledEvents }: WiringInput): string[] {
  const problems: string[] = [];
  const modules = (manifest.modules ?? {}) as Record<string, ModuleEntry[]>;
  const seenKeys = new Map<string, string>();
  for (const [kind, entries] of Object.entries(modules)) {
    for (const entry of entries ?? []) {
      const key = String(entry.key);
      const previous = seenKeys.get(key);
      if (previous) problems.push(`module key ${key} is used by ${previous} and ${kind}`);
      seenKeys.set(key, kind);
    }
  }
  const functions = modules.function ?? [];
  const functionKeys = new Set(functions.map((fn) => String(fn.key)));
  const usedExports = new Set<string>();
  for (const fn of functions) {
    const match = /^index\.([A-Za-z0-9_$]+)$/.exec(String(fn.handler));
    if (!match?.[1]) {
      problems.push(`function ${String(fn.key)}: handler ${String(fn.handler)} is not index.<export>`);
      continue;
    }
    usedExports.add(match[1]);
    if (!exports.includes(match[1])) problems.push(`function ${String(fn.key)}: src/index.ts has no export ${match[1]}`);
  }
  for (const name of exports) {
    if (!usedExports.has(name)) problems.push(`src/index.ts exports ${name}, which no manifest function uses`);
  }
  const referenced = new Set<string>();
  for (const [kind, entries] of Object.entries(modules)) {
    if (kind === 'function') continue;
    for (const entry of entries ?? []) {
      for (const ref of [entry.function, entry.resolver?.function]) {
        if (ref === undefined) continue;
        referenced.add(String(ref));
        if (!functionKeys.has(String(ref))) problems.push(`${kind} ${String(entry.key)} refers to a missing function ${String(ref)}`);
      }
    }
  }
  for (const key of functionKeys) if (!referenced.has(key)) problems.push(`function ${key} is declared but no module uses it`);
  const subscribed = new Set(
    (modules.trigger ?? []).flatMap((trigger) => (Array.isArray(trigger.events) ? trigger.events.map(String) : [])),
  );
  for (const event of handledEvents)
    if (!subscribed.has(event)) problems.push(`the code handles ${event}, but no trigger subscribes to it`);
  for (const event of subscribed)
    if (!handledEvents.includes(event)) problems.push(`a trigger subscribes to ${event}, which the code does not handle`);
  return problems;
}
