/** The parts of manifest.yml the local runtime routes by, validated with zod. */
import fs from 'node:fs';
import { z } from 'zod';
import YAML from 'yaml';

const FunctionEntry = z.object({ key: z.string(), handler: z.string(), timeoutSeconds: z.number().int().positive().optional() });

export const AppManifest = z.object({
  modules: z
    .object({
      trigger: z.array(z.object({ key: z.string(), function: z.string(), events: z.array(z.string()) })).default([]),
      scheduledTrigger: z
        .array(z.object({ key: z.string(), function: z.string(), interval: z.enum(['fiveMinute', 'hour', 'day', 'week']) }))
        .default([]),
      consumer: z.array(z.object({ key: z.string(), queue: z.string(), function: z.string() })).default([]),
      webtrigger: z.array(z.object({ key: z.string(), function: z.string() })).default([]),
      'bitbucket:mergeCheck': z.array(z.object({ key: z.string(), function: z.string(), triggers: z.array(z.string()) })).default([]),
      function: z.array(FunctionEntry),
    })
    .passthrough(),
  permissions: z.object({ scopes: z.array(z.string()) }),
});
export type AppManifest = z.infer<typeof AppManifest>;

export interface UiModule {
  kind: string;
  key: string;
  resource: string;
  resolverFunction: string | null;
}

export function loadManifest(file: string): { manifest: AppManifest; uiModules: UiModule[] } {
  const raw = YAML.parse(fs.readFileSync(file, 'utf8')) as unknown;
  const manifest = AppManifest.parse(raw);
  const uiModules: UiModule[] = [];
  for (const [kind, entries] of Object.entries(manifest.modules)) {
    if (!kind.startsWith('bitbucket:') || kind === 'bitbucket:mergeCheck' || !Array.isArray(entries)) continue;
    for (const entry of entries as Array<{ key: string; resource?: string; resolver?: { function?: string } }>) {
      if (entry.resource)
        uiModules.push({ kind, key: entry.key, resource: entry.resource, resolverFunction: entry.resolver?.function ?? null });
    }
  }
  return { manifest, uiModules };
}

export const INTERVAL_MS = { fiveMinute: 300_000, hour: 3_600_000, day: 86_400_000, week: 604_800_000 } as const;
