/**
 * A local Forge KVS with the platform's rules and limits (F/limits-kvs-ce/, platform-facts §7), answering
 * the HTTP calls `@forge/kvs` makes through `__forge_fetch__` (offline-toolchain.md §6):
 *
 * - keys: ≤500 characters matching ^(?!\s+$)[a-zA-Z0-9:._\s-#]+$;
 * - values: ≤240 KiB as JSON, nesting depth ≤31;
 * - `query`: key BEGINS_WITH only, ≤20 results a page, opaque cursors;
 * - batch operations ≤25 keys; transactions ≤25 operations;
 * - secrets in their own namespace, never returned by `query`.
 *
 * In memory, or persisted to a JSON file with crash-safe writes (write a temporary file, then rename).
 * Error bodies are `{code, message}`, which the SDK turns into ForgeKvsAPIError. The exact codes for the
 * limit errors are not documented; the ones here are ours (UNCONFIRMED against the live service).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from './clock';

export const KVS_LIMITS = {
  keyLength: 500,
  valueBytes: 240 * 1024,
  depth: 31,
  queryPage: 20,
  batchKeys: 25,
  transactionOps: 25,
} as const;

const KEY_PATTERN = /^(?!\s+$)[a-zA-Z0-9:._\s\-#]+$/;

interface Entry {
  value: unknown;
  createdAt: number;
  updatedAt: number;
  expiresAt: number | null;
}

interface Persisted {
  entries: Record<string, Entry>;
  secrets: Record<string, Entry>;
}

export class KvsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function depthOf(value: unknown, depth = 0): number {
  if (value === null || typeof value !== 'object') return depth;
  let max = depth + 1;
  for (const child of Object.values(value as Record<string, unknown>)) max = Math.max(max, depthOf(child, depth + 1));
  return max;
}

export interface KvsFaults {
  /** The next N operations fail with this status and code (e.g. 429 RATE_LIMIT_EXCEEDED). */
  failNext(count: number, status?: number, code?: string): void;
}

export class LocalKvs implements KvsFaults {
  private entries = new Map<string, Entry>();
  private secrets = new Map<string, Entry>();
  /** The entry keys in order, rebuilt after a write: queries page through it by binary search. */
  private sortedKeys: string[] | null = null;
  private pendingFailures: Array<{ status: number; code: string }> = [];
  /** Operation counts, for the benchmarks and tests. */
  /** `reads` counts values read; `readCalls` the calls that read them (a batch get is one call). */
  readonly stats = { reads: 0, readCalls: 0, writes: 0, deletes: 0, queries: 0, bytesRead: 0, bytesWritten: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly file: string | null = null,
  ) {
    if (file && fs.existsSync(file)) {
      const persisted = JSON.parse(fs.readFileSync(file, 'utf8')) as Persisted;
      this.entries = new Map(Object.entries(persisted.entries));
      this.secrets = new Map(Object.entries(persisted.secrets));
    }
  }

  failNext(count: number, status = 429, code = 'RATE_LIMIT_EXCEEDED'): void {
    for (let i = 0; i < count; i++) this.pendingFailures.push({ status, code });
  }

  /** Every live key and value, for tests and `attest render`. */
  dump(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, entry] of [...this.entries.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      if (!this.expired(entry)) out[key] = entry.value;
    }
    return out;
  }

  private expired(entry: Entry): boolean {
    return entry.expiresAt !== null && entry.expiresAt <= this.clock.now();
  }

  private persist(): void {
    if (!this.file) return;
    const data: Persisted = { entries: Object.fromEntries(this.entries), secrets: Object.fromEntries(this.secrets) };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(data));
    fs.renameSync(temporary, this.file);
  }

  private checkKey(key: unknown): string {
    if (typeof key !== 'string' || key.length === 0) throw new KvsError(400, 'INVALID_KEY', 'key must be a non-empty string');
    if (key.length > KVS_LIMITS.keyLength) throw new KvsError(400, 'INVALID_KEY', `key is longer than ${KVS_LIMITS.keyLength} characters`);
    if (!KEY_PATTERN.test(key)) throw new KvsError(400, 'INVALID_KEY', `key ${JSON.stringify(key.slice(0, 80))} does not match ${KEY_PATTERN.source}`);
    return key;
  }

  private checkValue(value: unknown): number {
    if (value === undefined) throw new KvsError(400, 'INVALID_VALUE', 'value is missing');
    const bytes = Buffer.byteLength(JSON.stringify(value));
    if (bytes > KVS_LIMITS.valueBytes) throw new KvsError(413, 'VALUE_TOO_LARGE', `value is ${bytes} bytes; the limit is ${KVS_LIMITS.valueBytes}`);
    if (depthOf(value) > KVS_LIMITS.depth) throw new KvsError(400, 'INVALID_VALUE', `value is nested deeper than ${KVS_LIMITS.depth} levels`);
    return bytes;
  }

  private ttlMs(options: unknown): number | null {
    const ttl = (options as { ttl?: { value?: unknown; unit?: unknown } } | undefined)?.ttl;
    if (!ttl) return null;
    const unit = { SECONDS: 1000, MINUTES: 60_000, HOURS: 3_600_000, DAYS: 86_400_000 }[String(ttl.unit)];
    if (!unit || typeof ttl.value !== 'number' || ttl.value <= 0) throw new KvsError(400, 'INVALID_TTL', 'ttl needs a positive value and a unit');
    return ttl.value * unit;
  }

  private noEntities(body: { entityName?: unknown }): void {
    if (body.entityName !== undefined) throw new KvsError(400, 'UNSUPPORTED', 'custom entities are not used by Attest and not implemented locally');
  }

  private prepareSet(map: Map<string, Entry>, body: { key?: unknown; value?: unknown; options?: unknown; entityName?: unknown }): () => Entry | undefined {
    this.noEntities(body);
    const key = this.checkKey(body.key);
    const bytes = this.checkValue(body.value);
    const options = body.options as { keyPolicy?: string } | undefined;
    const ttl = this.ttlMs(options);
    const existing = map.get(key);
    const live = existing && !this.expired(existing) ? existing : undefined;
    if (options?.keyPolicy === 'FAIL_IF_EXISTS' && live) {
      throw new KvsError(409, 'KEY_ALREADY_EXISTS', `key ${key} already exists`);
    }
    const value = JSON.parse(JSON.stringify(body.value)) as unknown;
    return () => {
      const now = this.clock.now();
      if (!map.has(key)) this.sortedKeys = null;
      map.set(key, { value, createdAt: live?.createdAt ?? now, updatedAt: now, expiresAt: ttl === null ? null : now + ttl });
      this.stats.writes++;
      this.stats.bytesWritten += bytes;
      return live;
    };
  }

  private read(map: Map<string, Entry>, key: string): Entry | undefined {
    const entry = map.get(key);
    if (!entry) return undefined;
    if (this.expired(entry)) {
      map.delete(key);
      return undefined;
    }
    this.stats.reads++;
    this.stats.bytesRead += Buffer.byteLength(JSON.stringify(entry.value));
    return entry;
  }

  /** Handles one SDK call: `/api/v1/…` with a JSON body. Returns [status, body or null]. */
  handle(pathname: string, body: unknown): [number, unknown] {
    try {
      const failure = this.pendingFailures.shift();
      if (failure) throw new KvsError(failure.status, failure.code, 'injected failure');
      const result = this.dispatch(pathname, body);
      return [200, result ?? null];
    } catch (error) {
      if (error instanceof KvsError) return [error.status, { code: error.code, message: error.message }];
      throw error;
    }
  }

  private dispatch(pathname: string, raw: unknown): unknown {
    const body = (raw ?? {}) as Record<string, unknown>;
    const secret = pathname.startsWith('/api/v1/secret/');
    const map = secret ? this.secrets : this.entries;
    const op = pathname.replace('/api/v1/secret/', '/api/v1/');
    switch (op) {
      case '/api/v1/get': {
        this.stats.readCalls++;
        this.noEntities(body);
        const key = this.checkKey(body.key);
        const entry = this.read(map, key);
        if (!entry) throw new KvsError(404, 'KEY_NOT_FOUND', `no value for ${key}`);
        return { key, value: entry.value, createdAt: entry.createdAt, updatedAt: entry.updatedAt };
      }
      case '/api/v1/set': {
        const previous = this.prepareSet(map, body)();
        this.persist();
        const options = body.options as { returnValue?: string } | undefined;
        if (options?.returnValue === 'PREVIOUS') return previous ? { key: body.key, value: previous.value } : null;
        if (options?.returnValue === 'LATEST') return { key: body.key, value: map.get(String(body.key))?.value };
        return null;
      }
      case '/api/v1/delete': {
        this.noEntities(body);
        const key = this.checkKey(body.key);
        if (!map.delete(key)) throw new KvsError(404, 'KEY_NOT_FOUND', `no value for ${key}`);
        this.sortedKeys = null;
        this.stats.deletes++;
        this.persist();
        return null;
      }
      case '/api/v1/query': {
        if (secret) throw new KvsError(400, 'UNSUPPORTED', 'secrets cannot be queried');
        return this.query(body);
      }
      case '/api/v1/batch/get':
        this.stats.readCalls++;
        return this.batch(op, raw);
      case '/api/v1/batch/set':
      case '/api/v1/batch/delete':
        return this.batch(op, raw);
      case '/api/v1/transaction':
        return this.transaction(body);
      default:
        throw new KvsError(404, 'NOT_FOUND', `the local KVS does not implement ${pathname}`);
    }
  }

  private query(body: Record<string, unknown>): unknown {
    this.stats.queries++;
    const limit = body.limit === undefined ? 10 : Number(body.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > KVS_LIMITS.queryPage) {
      throw new KvsError(400, 'INVALID_LIMIT', `limit must be between 1 and ${KVS_LIMITS.queryPage}`);
    }
    const where = (body.where as Array<{ property?: string; condition?: string; values?: unknown[] }> | undefined) ?? [];
    if (where.length > 1 || (where[0] && (where[0].property !== 'key' || where[0].condition !== 'BEGINS_WITH'))) {
      throw new KvsError(400, 'INVALID_QUERY', 'only a key BEGINS_WITH condition is supported on key-value storage');
    }
    const prefix = where[0] ? String(where[0].values?.[0] ?? '') : '';
    const after = typeof body.after === 'string' ? Buffer.from(body.after, 'base64url').toString('utf8') : null;
    this.sortedKeys ??= [...this.entries.keys()].sort();
    const keys = this.sortedKeys;
    // Binary search for the first key at or after max(prefix, after+).
    const from = after !== null && after >= prefix ? after : prefix;
    let low = 0;
    let high = keys.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (keys[mid]! < from || (after !== null && keys[mid] === after)) low = mid + 1;
      else high = mid;
    }
    const data: Array<{ key: string; value: unknown }> = [];
    let index = low;
    for (; index < keys.length && data.length < limit; index++) {
      const key = keys[index]!;
      if (!key.startsWith(prefix)) break;
      const entry = this.read(this.entries, key);
      if (!entry) continue;
      data.push({ key, value: entry.value });
    }
    const last = data[data.length - 1];
    const more = last !== undefined && index < keys.length && keys[index]!.startsWith(prefix);
    return { data, ...(more ? { cursor: Buffer.from(last.key, 'utf8').toString('base64url') } : {}) };
  }

  private batch(op: string, raw: unknown): unknown {
    const items = Array.isArray(raw) ? (raw as Array<Record<string, unknown>>) : [];
    if (items.length === 0) throw new KvsError(400, 'INVALID_BATCH', 'a batch needs at least one item');
    if (items.length > KVS_LIMITS.batchKeys) throw new KvsError(400, 'BATCH_TOO_LARGE', `a batch holds at most ${KVS_LIMITS.batchKeys} keys`);
    const successfulKeys: Array<Record<string, unknown>> = [];
    const failedKeys: Array<Record<string, unknown>> = [];
    for (const item of items) {
      try {
        if (op.endsWith('/set')) {
          this.prepareSet(this.entries, item)();
          successfulKeys.push({ key: item.key });
        } else if (op.endsWith('/get')) {
          const key = this.checkKey(item.key);
          const entry = this.read(this.entries, key);
          if (entry) successfulKeys.push({ key, value: entry.value, createdAt: entry.createdAt, updatedAt: entry.updatedAt });
          else failedKeys.push({ key, error: { code: 'KEY_NOT_FOUND', message: `no value for ${key}` } });
        } else {
          const key = this.checkKey(item.key);
          this.entries.delete(key);
          this.sortedKeys = null;
          this.stats.deletes++;
          successfulKeys.push({ key });
        }
      } catch (error) {
        if (!(error instanceof KvsError)) throw error;
        failedKeys.push({ key: item.key, error: { code: error.code, message: error.message } });
      }
    }
    if (!op.endsWith('/get')) this.persist();
    return { successfulKeys, failedKeys };
  }

  /** All or nothing: every operation is validated before any is applied. */
  private transaction(body: Record<string, unknown>): unknown {
    const sets = (body.set as Array<Record<string, unknown>> | undefined) ?? [];
    const deletes = (body.delete as Array<Record<string, unknown>> | undefined) ?? [];
    const checks = (body.check as Array<Record<string, unknown>> | undefined) ?? [];
    const total = sets.length + deletes.length + checks.length;
    if (total === 0) throw new KvsError(400, 'INVALID_TRANSACTION', 'a transaction needs at least one operation');
    if (total > KVS_LIMITS.transactionOps) throw new KvsError(400, 'TRANSACTION_TOO_LARGE', `a transaction holds at most ${KVS_LIMITS.transactionOps} operations`);
    if (checks.length > 0) throw new KvsError(400, 'UNSUPPORTED', 'transaction checks apply to custom entities, which Attest does not use');
    const touched = new Set<string>();
    const appliers: Array<() => void> = [];
    for (const item of sets) {
      const apply = this.prepareSet(this.entries, item);
      if (touched.has(String(item.key))) throw new KvsError(400, 'INVALID_TRANSACTION', `key ${String(item.key)} appears twice`);
      touched.add(String(item.key));
      appliers.push(() => void apply());
    }
    for (const item of deletes) {
      this.noEntities(item);
      const key = this.checkKey(item.key);
      if (touched.has(key)) throw new KvsError(400, 'INVALID_TRANSACTION', `key ${key} appears twice`);
      touched.add(key);
      appliers.push(() => {
        this.entries.delete(key);
        this.sortedKeys = null;
        this.stats.deletes++;
      });
    }
    for (const apply of appliers) apply();
    this.persist();
    return null;
  }
}
