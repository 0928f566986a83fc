/**
 * Where each summary row is kept: chunk = FNV-1a hash of the repository's uuid modulo the number of chunks, so a
 * row stays in its chunk from one rebuild to the next and a rebuild rewrites only the chunks whose rows changed.
 * Chunks are sized to hold about 120 KiB of rows, under the 200 KiB a chunk may hold (the KVS value limit is
 * 240 KiB: https://developer.atlassian.com/platform/forge/limits-kvs-ce/), so rows can grow between re-layouts;
 * a chunk over 200 KiB, or four times more chunks than needed, lays every row out again under a new generation.
 */
import { canonicalJson } from '../lib/canonical';
import type { IndexRow } from '../store/records';
import { encodeChunk } from '../store/summary-codec';
import { SUMMARY_CHUNK_BYTES, type Store, type SummaryLayout } from '../store/store';

const TARGET_CHUNK_BYTES = 120 * 1024;

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** A row's size as stored (outcomes as letters, counts and failing derived: store/summary-codec.ts). */
const bytesOf = (row: IndexRow) => Buffer.byteLength(JSON.stringify(encodeChunk([row]).rows[0])) + 1;

function spread(rows: readonly IndexRow[], count: number): IndexRow[][] {
  const chunks: IndexRow[][] = Array.from({ length: count }, () => []);
  for (const row of [...rows].sort((a, b) => a.uuid.localeCompare(b.uuid))) chunks[fnv1a(row.uuid) % count]?.push(row);
  return chunks;
}

/** The smallest power of two of chunks that holds the rows at the target size. */
function chunksNeeded(rows: readonly IndexRow[]): number {
  const total = rows.reduce((sum, row) => sum + bytesOf(row), 0);
  let count = 1;
  while (count * TARGET_CHUNK_BYTES < total) count *= 2;
  return count;
}

/** Whether a chunk's rows are what is stored, whatever order their members were built in. */
const sameRows = (a: readonly IndexRow[] | null | undefined, b: readonly IndexRow[]) => a != null && canonicalJson(a) === canonicalJson(b);

export function layoutRows(rows: readonly IndexRow[], previous: Awaited<ReturnType<Store['getSummary']>>, now: Date): SummaryLayout {
  const needed = chunksNeeded(rows);
  const kept = previous?.meta.chunks ?? 0;
  if (previous && kept >= needed && kept <= needed * 4) {
    const chunks = spread(rows, kept);
    const fits = chunks.every((chunk) => chunk.reduce((sum, row) => sum + bytesOf(row), 0) <= SUMMARY_CHUNK_BYTES);
    if (fits) {
      const changed = new Set(chunks.flatMap((chunk, i) => (sameRows(previous.chunks[i], chunk) ? [] : [i])));
      return { generation: previous.meta.generation, chunks, changed, replaces: null };
    }
  }
  const count = Math.max(needed, kept > 0 && kept < needed * 4 ? kept * 2 : needed);
  const chunks = spread(rows, count);
  return {
    generation: now.getTime().toString(36),
    chunks,
    changed: new Set(chunks.keys()),
    replaces: previous ? { generation: previous.meta.generation, chunks: previous.meta.chunks } : null,
  };
}
