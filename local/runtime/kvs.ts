/**
 * A local Forge KVS with the platform's documented rules and limits, answering the HTTP calls `@forge/kvs`
 * makes through `__forge_fetch__` (read from the SDK's own source in
 * node_modules/@forge/kvs/out). Each rule cites where it is documented:
 *
 * - keys ≤500 characters matching ^(?!\s+$)[a-zA-Z0-9:._\s-#]+$; values ≤240 KiB as JSON, depth ≤31
 *   (https://developer.atlassian.com/platform/forge/limits-kvs-ce/);
 * - error codes KEY_TOO_SHORT, KEY_TOO_LONG, INVALID_KEY, MAX_SIZE, MAX_DEPTH, LIST_QUERY_LIMIT_EXCEEDED,
 *   QUERY_WHERE_INVALID, QUERY_WHERE_FIELD_INVALID, INVALID_FILTER_CONDITION, and 429 RATE_LIMIT_EXCEEDED
 *   (https://developer.atlassian.com/platform/forge/storage-reference/handling-errors-kvs/); a missing key is
 *   KEY_NOT_FOUND, the code @forge/kvs turns into `undefined` (out/storage-api.js);
 * - `query`: key BEGINS_WITH only, a page of at most 100 ("Limit for list query should be below 100",
 *   same page), opaque cursors, and **no documented order**: with `shuffleQueries` results come in an
 *   order unrelated to the keys, so no code can come to rely on one;
 * - batches ≤25 keys and ≤4 MB, 45 batch operations a minute; transactions ≤25 operations and ≤4 MB
 *   (https://developer.atlassian.com/platform/forge/storage-reference/batchops/, …/transactions/);
 * - per installation 4,000 read and 4,000 write units a minute, a unit being 10 KB rounded up
 *   (https://developer.atlassian.com/platform/forge/limits-kvs-ce/), enforced on the runtime's clock;
 * - secrets in their own namespace, never returned by `query`.
 *
 * Where the platform's answer is not documented (a `FAIL_IF_EXISTS` write of an existing key, a batch
 * over its limits) the error carries a code made up afresh for each store (`UNDOCUMENTED_…`), so the app
 * can rely on the status and on reading the key again, never on a code nobody has seen.
 *
 * In memory, or persisted to a JSON file with crash-safe writes (write a temporary file, then rename).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from './clock';

export const KVS_LIMITS = {
  keyLength: 500,
  valueBytes: 240 * 1024,
  depth: 31,
  queryPage: 100,
  batchKeys: 25,
  batchBytes: 4 * 1024 * 1024,
  batchOpsPerMinute: 45,
  transactionOps: 25,
  unitBytes: 10 * 1024,
  readUnitsPerMinute: 4000,
  writeUnitsPerMinute: 4000,
} as const;

export interface KvsOptions {
  /** Answer queries in an order unrelated to the keys (the platform documents none). Default true. */
  shuffleQueries?: boolean;
  /** `enforce` answers 429 past the per-minute limits; `count` only measures (benchmarks). Default enforce. */
  rateLimits?: 'enforce' | 'count';
  /**
   * The per-minute limits multiplied by this (default 1): tests put a small workspace's load at twice the
   * documented rate by halving the limit under its measured busiest minute.
   */
  limitScale?: number;
}

/** 10 KB units of a request or answer, rounded up; at least one. */
export function unitsOf(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / KVS_LIMITS.unitBytes));
}

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
  failNext(count: number, status?: number, code?: string, skip?: number): void;
  failNextOn(keys: RegExp, count: number, status?: number, code?: string): void;
}

export class LocalKvs implements KvsFaults {
  private entries = new Map<string, Entry>();
  private secrets = new Map<string, Entry>();
  /** The entry keys in order, rebuilt after a write: queries page through it by binary search. */
  private sortedKeys: string[] | null = null;
  private ordered: Array<[string, string]> | null = null;
  private pendingFailures: Array<{ status: number; code: string } | null> = [];
  private targetedFailures: Array<{ keys: RegExp; status: number; code: string }> = [];
  /** Operation counts, for the benchmarks and tests. */
  /** `reads` counts values read; `readCalls` the calls that read them (a batch get is one call). */
  readonly stats = {
    reads: 0,
    readCalls: 0,
    writes: 0,
    deletes: 0,
    queries: 0,
    bytesRead: 0,
    bytesWritten: 0,
    readUnits: 0,
    writeUnits: 0,
    batchOps: 0,
    largestBatchBytes: 0,
    peakReadUnitsPerMinute: 0,
    peakWriteUnitsPerMinute: 0,
    rateLimited: 0,
  };
  /** Units spent in the rolling minute: [time, units] pairs. */
  private readonly window = {
    read: [] as Array<[number, number]>,
    write: [] as Array<[number, number]>,
    batch: [] as Array<[number, number]>,
  };
  private readonly salt = Math.random().toString(36).slice(2, 10);
  private readonly undocumentedCode = `UNDOCUMENTED_${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
  private readonly options: Required<KvsOptions>;

  constructor(
    private readonly clock: Clock,
    private readonly file: string | null = null,
    options: KvsOptions = {},
  ) {
    this.options = {
      shuffleQueries: options.shuffleQueries ?? true,
      rateLimits: options.rateLimits ?? 'enforce',
      limitScale: options.limitScale ?? 1,
    };
    if (file && fs.existsSync(file)) {
      const persisted = JSON.parse(fs.readFileSync(file, 'utf8')) as Persisted;
      this.entries = new Map(Object.entries(persisted.entries));
      this.secrets = new Map(Object.entries(persisted.secrets));
    }
  }

  /** The next `count` operations after `skip` successful ones fail (tests aim a failure at one write). */
  failNext(count: number, status = 429, code = 'RATE_LIMIT_EXCEEDED', skip = 0): void {
    for (let i = 0; i < skip; i++) this.pendingFailures.push(null);
    for (let i = 0; i < count; i++) this.pendingFailures.push({ status, code });
  }

  /** The next `count` gets, sets and deletes of a key matching `keys` fail; other calls pass untouched. */
  failNextOn(keys: RegExp, count: number, status = 429, code = 'RATE_LIMIT_EXCEEDED'): void {
    for (let i = 0; i < count; i++) this.targetedFailures.push({ keys, status, code });
  }

  private targetedFailure(body: unknown): { status: number; code: string } | undefined {
    const key = (body as { key?: unknown } | undefined)?.key;
    if (typeof key !== 'string') return undefined;
    const index = this.targetedFailures.findIndex((failure) => failure.keys.test(key));
    return index < 0 ? undefined : this.targetedFailures.splice(index, 1)[0];
  }

  private invalidateOrder(): void {
    this.sortedKeys = null;
    this.ordered = null;
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

  /** An error whose code the platform does not document: a fresh code per store, so nothing matches on it. */
  private undocumented(status: number, message: string): KvsError {
    return new KvsError(status, this.undocumentedCode, message);
  }

  /** Spends units of the rolling minute; 429 RATE_LIMIT_EXCEEDED past the limit when enforcing. */
  private spend(kind: 'read' | 'write' | 'batch', units: number): void {
    const now = this.clock.now();
    const window = this.window[kind].filter(([at]) => at > now - 60_000);
    const used = window.reduce((sum, [, n]) => sum + n, 0);
    const documented =
      kind === 'read' ? KVS_LIMITS.readUnitsPerMinute : kind === 'write' ? KVS_LIMITS.writeUnitsPerMinute : KVS_LIMITS.batchOpsPerMinute;
    const limit = Math.max(1, Math.floor(documented * this.options.limitScale));
    if (used + units > limit) {
      // Counted either way: `count` mode measures how often the platform would have refused.
      this.stats.rateLimited++;
      if (this.options.rateLimits === 'enforce') {
        this.window[kind] = window;
        throw new KvsError(429, 'RATE_LIMIT_EXCEEDED', `${kind} limit of ${limit} a minute reached`);
      }
    }
    window.push([now, units]);
    this.window[kind] = window;
    if (kind === 'read') this.stats.peakReadUnitsPerMinute = Math.max(this.stats.peakReadUnitsPerMinute, used + units);
    if (kind === 'write') this.stats.peakWriteUnitsPerMinute = Math.max(this.stats.peakWriteUnitsPerMinute, used + units);
  }

  private checkKey(key: unknown): string {
    if (typeof key !== 'string' || key.length === 0) throw new KvsError(400, 'KEY_TOO_SHORT', 'key must be a non-empty string');
    if (key.length > KVS_LIMITS.keyLength) throw new KvsError(400, 'KEY_TOO_LONG', `key is longer than ${KVS_LIMITS.keyLength} characters`);
    if (!KEY_PATTERN.test(key))
      throw new KvsError(400, 'INVALID_KEY', `key ${JSON.stringify(key.slice(0, 80))} does not match ${KEY_PATTERN.source}`);
    return key;
  }

  private checkValue(value: unknown): number {
    if (value === undefined) throw this.undocumented(400, 'value is missing');
    const bytes = Buffer.byteLength(JSON.stringify(value));
    if (bytes > KVS_LIMITS.valueBytes)
      throw new KvsError(400, 'MAX_SIZE', `value is ${bytes} bytes; the limit is ${KVS_LIMITS.valueBytes}`);
    if (depthOf(value) > KVS_LIMITS.depth) throw new KvsError(400, 'MAX_DEPTH', `value is nested deeper than ${KVS_LIMITS.depth} levels`);
    return bytes;
  }

  private ttlMs(options: unknown): number | null {
    const ttl = (options as { ttl?: { value?: unknown; unit?: unknown } } | undefined)?.ttl;
    if (!ttl) return null;
    const unit = { SECONDS: 1000, MINUTES: 60_000, HOURS: 3_600_000, DAYS: 86_400_000 }[String(ttl.unit)];
    if (!unit || typeof ttl.value !== 'number' || ttl.value <= 0) throw this.undocumented(400, 'ttl needs a positive value and a unit');
    return ttl.value * unit;
  }

  private noEntities(body: { entityName?: unknown }): void {
    if (body.entityName !== undefined) throw this.undocumented(400, 'custom entities are not used by Attest and not implemented locally');
  }

  private prepareSet(
    map: Map<string, Entry>,
    body: { key?: unknown; value?: unknown; options?: unknown; entityName?: unknown },
  ): () => Entry | undefined {
    this.noEntities(body);
    const key = this.checkKey(body.key);
    const bytes = this.checkValue(body.value);
    const options = body.options as { keyPolicy?: string } | undefined;
    const ttl = this.ttlMs(options);
    const existing = map.get(key);
    const live = existing && !this.expired(existing) ? existing : undefined;
    if (options?.keyPolicy === 'FAIL_IF_EXISTS' && live) {
      // The REST reference documents the key policy but not the error (https://developer.atlassian.com/platform/forge/rest/v2/api-group-forge-kvs/).
      // 400 is the status the error page gives every documented refusal; the code is not documented.
      throw this.undocumented(400, `key ${key} already exists`);
    }
    const value = JSON.parse(JSON.stringify(body.value)) as unknown;
    return () => {
      const now = this.clock.now();
      if (!map.has(key)) this.invalidateOrder();
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
      const failure = this.pendingFailures.shift() ?? this.targetedFailure(body);
      if (failure) throw new KvsError(failure.status, failure.code, 'injected failure');
      this.meter(pathname, body);
      const result = this.dispatch(pathname, body);
      if (/\/(get|query)$/.test(pathname))
        this.settleRead(result === undefined || result === null ? 0 : Buffer.byteLength(JSON.stringify(result)));
      return [200, result ?? null];
    } catch (error) {
      if (error instanceof KvsError) return [error.status, { code: error.code, message: error.message }];
      throw error;
    }
  }

  /**
   * Counts the call against the minute before it runs: writes by their request size, reads by a first unit
   * (the answer's size is counted after; a read the limit refuses costs nothing). Batches and transactions
   * are checked against their 4 MB payload limit.
   */
  private meter(pathname: string, body: unknown): void {
    const bytes = body === undefined ? 0 : Buffer.byteLength(JSON.stringify(body));
    const batch = pathname.includes('/batch/') || pathname.endsWith('/transaction');
    if (batch && bytes > KVS_LIMITS.batchBytes)
      throw this.undocumented(413, `the payload is ${bytes} bytes; a batch or transaction holds at most ${KVS_LIMITS.batchBytes}`);
    if (batch) {
      this.stats.largestBatchBytes = Math.max(this.stats.largestBatchBytes, bytes);
      if (pathname.includes('/batch/')) {
        this.spend('batch', 1);
        this.stats.batchOps++;
      }
    }
    if (/\/(get|query)$/.test(pathname)) this.spend('read', 1);
    else {
      const units = unitsOf(bytes);
      this.spend('write', units);
      this.stats.writeUnits += units;
    }
  }

  /** A read's units beyond the first, from the size of its answer. */
  private settleRead(bytes: number): void {
    const units = unitsOf(bytes);
    this.stats.readUnits += units;
    if (units <= 1) return;
    const now = this.clock.now();
    this.window.read.push([now, units - 1]);
    const used = this.window.read.filter(([at]) => at > now - 60_000).reduce((sum, [, n]) => sum + n, 0);
    this.stats.peakReadUnitsPerMinute = Math.max(this.stats.peakReadUnitsPerMinute, used);
  }

  /** The order queries answer in: by key, or (shuffled) by a keyed hash that has nothing to do with the key's text. */
  private orderKey(key: string): string {
    if (!this.options.shuffleQueries) return key;
    let hash = 2166136261;
    for (const char of this.salt + key) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
    return `${hash.toString(16).padStart(8, '0')}\u0000${key}`;
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
        this.invalidateOrder();
        this.stats.deletes++;
        this.persist();
        return null;
      }
      case '/api/v1/query': {
        if (secret) throw this.undocumented(400, 'secrets cannot be queried');
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
        throw this.undocumented(404, `the local KVS does not implement ${pathname}`);
    }
  }

  private query(body: Record<string, unknown>): unknown {
    this.stats.queries++;
    const limit = body.limit === undefined ? 10 : Number(body.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > KVS_LIMITS.queryPage) {
      throw new KvsError(400, 'LIST_QUERY_LIMIT_EXCEEDED', `limit must be between 1 and ${KVS_LIMITS.queryPage}`);
    }
    const where = (body.where as Array<{ property?: string; condition?: string; values?: unknown[] }> | undefined) ?? [];
    if (where.length > 1) throw new KvsError(400, 'QUERY_WHERE_INVALID', 'KVS queries take a single where clause');
    if (where[0] && where[0].property !== 'key') throw new KvsError(400, 'QUERY_WHERE_FIELD_INVALID', 'only the key can be filtered on');
    if (where[0] && where[0].condition !== 'BEGINS_WITH')
      throw new KvsError(400, 'INVALID_FILTER_CONDITION', 'only BEGINS_WITH is supported on key-value storage');
    const prefix = where[0] ? String(where[0].values?.[0] ?? '') : '';
    const after = typeof body.after === 'string' ? Buffer.from(body.after, 'base64url').toString('utf8') : null;
    const ordered = this.orderedKeys();
    // Binary search for the first order key after the cursor, then collect matching keys.
    let low = 0;
    let high = ordered.length;
    while (after !== null && low < high) {
      const mid = (low + high) >> 1;
      if (ordered[mid]![0] <= after) low = mid + 1;
      else high = mid;
    }
    const data: Array<{ key: string; value: unknown }> = [];
    let last: string | null = null;
    let index = low;
    for (; index < ordered.length && data.length < limit; index++) {
      const [order, key] = ordered[index]!;
      if (!key.startsWith(prefix)) continue;
      const entry = this.read(this.entries, key);
      if (!entry) continue;
      data.push({ key, value: entry.value });
      last = order;
    }
    const more = last !== null && ordered.slice(index).some(([, key]) => key.startsWith(prefix));
    return { data, ...(more && last !== null ? { cursor: Buffer.from(last, 'utf8').toString('base64url') } : {}) };
  }

  /** [order key, key] for every entry, sorted by order key; rebuilt after a write that adds or removes a key. */
  private orderedKeys(): Array<[string, string]> {
    this.sortedKeys ??= [...this.entries.keys()];
    this.ordered ??= this.sortedKeys
      .map((key): [string, string] => [this.orderKey(key), key])
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return this.ordered;
  }

  private batch(op: string, raw: unknown): unknown {
    const items = Array.isArray(raw) ? (raw as Array<Record<string, unknown>>) : [];
    if (items.length === 0) throw this.undocumented(400, 'a batch needs at least one item');
    if (items.length > KVS_LIMITS.batchKeys) throw this.undocumented(400, `a batch holds at most ${KVS_LIMITS.batchKeys} keys`);
    const keysSeen = items.map((item) => String(item.key));
    if (new Set(keysSeen).size !== keysSeen.length) throw this.undocumented(400, 'a batch names the same key twice');
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
          this.invalidateOrder();
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
    if (total === 0) throw this.undocumented(400, 'a transaction needs at least one operation');
    if (total > KVS_LIMITS.transactionOps)
      throw this.undocumented(400, `a transaction holds at most ${KVS_LIMITS.transactionOps} operations`);
    if (checks.length > 0) throw this.undocumented(400, 'transaction checks apply to custom entities, which Attest does not use');
    const touched = new Set<string>();
    const appliers: Array<() => void> = [];
    for (const item of sets) {
      // A transaction's set takes a TTL and nothing else (SetOptions in @forge/kvs out/interfaces/transaction.d.ts
      // and types.d.ts; https://developer.atlassian.com/platform/forge/storage-reference/transactions/): no key
      // policy, so a transaction cannot be a conditional write.
      if ((item.options as { keyPolicy?: unknown } | undefined)?.keyPolicy !== undefined)
        throw this.undocumented(400, 'a transaction does not take a key policy');
      const apply = this.prepareSet(this.entries, item);
      if (touched.has(String(item.key))) throw this.undocumented(400, `key ${String(item.key)} appears twice`);
      touched.add(String(item.key));
      appliers.push(() => void apply());
    }
    for (const item of deletes) {
      this.noEntities(item);
      const key = this.checkKey(item.key);
      if (touched.has(key)) throw this.undocumented(400, `key ${key} appears twice`);
      touched.add(key);
      appliers.push(() => {
        this.entries.delete(key);
        this.invalidateOrder();
        this.stats.deletes++;
      });
    }
    for (const apply of appliers) apply();
    this.persist();
    return null;
  }
}
