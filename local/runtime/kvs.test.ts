/**
 * The local KVS's rules and limits, exercised through the real @forge/kvs SDK inside invocations of the
 * local runtime (the SDK talks to it over __forge_fetch__, as it talks to Forge).
 */
import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import { kvs, WhereConditions } from '@forge/kvs';
import { SimClock } from './clock';
import { LocalKvs } from './kvs';
import { LocalForgeRuntime } from './runtime';

const ROOT = path.resolve(__dirname, '..', '..');
const WS = '{11111111-2222-4333-8444-555555555555}';

function runtime() {
  return new LocalForgeRuntime({ root: ROOT, bitbucketBaseUrl: 'http://127.0.0.1:9', auth: { app: null }, clock: new SimClock() });
}

/** Runs `fn` inside an invocation scope of the installation, as a handler would. */
async function inInvocation<T>(rt: LocalForgeRuntime, fn: () => Promise<T>): Promise<T> {
  const storage = (globalThis as unknown as { __attest_scope__: import('node:async_hooks').AsyncLocalStorage<unknown> }).__attest_scope__;
  return storage.run(
    {
      installation: rt.installation(WS),
      invocationId: 'test',
      functionKey: 'test',
      deadline: Date.now() + 10_000,
      principal: null,
      asUserAllowed: false,
      timedOut: false,
    },
    fn,
  );
}

describe('local KVS through @forge/kvs', () => {
  it('sets, gets and deletes; a missing key reads as undefined and deleting it is a no-op', async () => {
    const rt = runtime();
    await inInvocation(rt, async () => {
      await kvs.set('v1:a', { n: 1 });
      expect(await kvs.get('v1:a')).toEqual({ n: 1 });
      expect(await kvs.get('v1:missing')).toBeUndefined();
      await kvs.delete('v1:a');
      await kvs.delete('v1:a');
      expect(await kvs.get('v1:a')).toBeUndefined();
    });
  });

  // Codes from https://developer.atlassian.com/platform/forge/storage-reference/handling-errors-kvs/.
  it.each([
    ['braces', '{abc}', 'INVALID_KEY'],
    ['a slash', 'a/b', 'INVALID_KEY'],
    ['a plus sign (as in +00:00)', 'v1:evd:2026-11-24T13:14:48.599872+00:00', 'INVALID_KEY'],
    ['only spaces', '   ', 'INVALID_KEY'],
    ['501 characters', 'k'.repeat(501), 'KEY_TOO_LONG'],
  ])('rejects a key with %s', async (_name, key, code) => {
    const rt = runtime();
    await inInvocation(rt, async () => {
      await expect(kvs.set(key, 1)).rejects.toMatchObject({ code });
    });
  });

  it('accepts a 500-character key and a value of exactly 240 KiB, and rejects one byte more', async () => {
    const rt = runtime();
    await inInvocation(rt, async () => {
      await kvs.set('k'.repeat(500), 1);
      const exact = 'x'.repeat(240 * 1024 - 2); // JSON adds the two quotes
      await kvs.set('v1:big', exact);
      await expect(kvs.set('v1:bigger', `${exact}x`)).rejects.toMatchObject({ code: 'MAX_SIZE' });
      expect(await kvs.get('v1:bigger')).toBeUndefined();
    });
  });

  it('rejects values nested deeper than 31 levels', async () => {
    const rt = runtime();
    let deep: unknown = 1;
    for (let i = 0; i < 32; i++) deep = { d: deep };
    await inInvocation(rt, async () => {
      await expect(kvs.set('v1:deep', deep)).rejects.toMatchObject({ code: 'MAX_DEPTH' });
    });
  });

  it('queries by key prefix, at most 100 a page, with cursors, in no order, and never returns secrets', async () => {
    const rt = runtime();
    await inInvocation(rt, async () => {
      for (let i = 0; i < 245; i++) await kvs.set(`v1:repo:${String(i).padStart(3, '0')}`, i);
      await kvs.set('v1:other', 'x');
      await kvs.setSecret('v1:repo:secret', 'hidden');
      await expect(kvs.query().where('key', WhereConditions.beginsWith('v1:repo:')).limit(101).getMany()).rejects.toMatchObject({
        code: 'LIST_QUERY_LIMIT_EXCEEDED',
      });
      const seen: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        let query = kvs.query().where('key', WhereConditions.beginsWith('v1:repo:')).limit(100);
        if (cursor) query = query.cursor(cursor);
        const page = await query.getMany<number>();
        seen.push(...page.results.map((result) => result.value));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      // Every key once, but not in key order: the platform documents none.
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 245 }, (_, i) => i));
      expect(seen).not.toEqual([...seen].sort((a, b) => a - b));
      expect(await kvs.getSecret('v1:repo:secret')).toBe('hidden');
    });
  });

  it('answers in key order only when shuffling is turned off', async () => {
    const rt = new LocalForgeRuntime({
      root: ROOT,
      bitbucketBaseUrl: 'http://127.0.0.1:9',
      auth: { app: null },
      clock: new SimClock(),
      kvs: { shuffleQueries: false },
    });
    await inInvocation(rt, async () => {
      for (let i = 0; i < 30; i++) await kvs.set(`v1:o:${String(i).padStart(2, '0')}`, i);
      const { results } = await kvs.query().where('key', WhereConditions.beginsWith('v1:o:')).limit(100).getMany<number>();
      expect(results.map((result) => result.value)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    });
  });

  it('refuses a batch over 4 MB and counts 45 batch operations a minute', async () => {
    const rt = runtime();
    await inInvocation(rt, async () => {
      const big = 'x'.repeat(200 * 1024);
      const items = Array.from({ length: 21 }, (_, i) => ({ key: `v1:chunk:${i}`, value: big }));
      await expect(kvs.batchSet(items)).rejects.toMatchObject({ responseDetails: { status: 413 } });
      expect(await kvs.get('v1:chunk:0')).toBeUndefined();
      await kvs.batchSet(items.slice(0, 19));
      for (let i = 0; i < 44; i++) await kvs.batchGet([{ key: 'v1:chunk:0' }]);
      await expect(kvs.batchGet([{ key: 'v1:chunk:0' }])).rejects.toMatchObject({ code: 'RATE_LIMIT_EXCEEDED' });
    });
  });

  it('answers 429 RATE_LIMIT_EXCEEDED past 4,000 write units a minute (10 KB a unit), and recovers the next minute', async () => {
    const clock = new SimClock();
    const rt = new LocalForgeRuntime({ root: ROOT, bitbucketBaseUrl: 'http://127.0.0.1:9', auth: { app: null }, clock });
    await inInvocation(rt, async () => {
      const value = 'x'.repeat(100 * 1024); // 11 units with the key and JSON around it
      let written = 0;
      let refused: unknown = null;
      for (let i = 0; i < 400 && refused === null; i++) {
        await kvs.set(`v1:w:${i}`, value).then(
          () => written++,
          (error: unknown) => (refused = error),
        );
      }
      expect(refused).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', responseDetails: { status: 429 } });
      expect(written).toBe(Math.floor(4000 / 11));
      clock.advance(60_001);
      await kvs.set('v1:w:after', value);
    });
    expect(rt.installation(WS).kvs.stats.peakWriteUnitsPerMinute).toBeLessThanOrEqual(4000);
  });

  it('limits batches to 25 keys and reports per-key failures', async () => {
    const rt = runtime();
    await inInvocation(rt, async () => {
      const items = Array.from({ length: 26 }, (_, i) => ({ key: `v1:b:${i}`, value: i }));
      await expect(kvs.batchSet(items)).rejects.toMatchObject({ responseDetails: { status: 400 } });
      const result = await kvs.batchSet([...items.slice(0, 24), { key: 'bad{key}', value: 1 }]);
      expect(result.successfulKeys).toHaveLength(24);
      expect(result.failedKeys).toEqual([{ key: 'bad{key}', error: { code: 'INVALID_KEY', message: expect.any(String) } }]);
    });
  });

  it('applies a transaction of at most 25 operations all or nothing', async () => {
    const rt = runtime();
    await inInvocation(rt, async () => {
      await kvs.set('v1:t:keep', 'old');
      await expect(
        kvs
          .transact()
          .set('v1:t:keep', 'new')
          .set('v1:t:bad', 'x'.repeat(250 * 1024))
          .execute(),
      ).rejects.toMatchObject({ code: 'MAX_SIZE' });
      expect(await kvs.get('v1:t:keep')).toBe('old');
      let tooMany = kvs.transact();
      for (let i = 0; i < 26; i++) tooMany = tooMany.set(`v1:t:${i}`, i);
      await expect(tooMany.execute()).rejects.toMatchObject({ responseDetails: { status: 400 } });
      await kvs.transact().set('v1:t:keep', 'new').delete('v1:t:0').execute();
      expect(await kvs.get('v1:t:keep')).toBe('new');
    });
  });

  it('refuses to overwrite with keyPolicy FAIL_IF_EXISTS, and expires values with a ttl on the simulated clock', async () => {
    const clock = new SimClock();
    const rt = new LocalForgeRuntime({ root: ROOT, bitbucketBaseUrl: 'http://127.0.0.1:9', auth: { app: null }, clock });
    await inInvocation(rt, async () => {
      await kvs.set('v1:once', 1, { keyPolicy: 'FAIL_IF_EXISTS' });
      // The platform documents no error code for this: the local one is made up per store, so no code can match it.
      const refused = await kvs.set('v1:once', 2, { keyPolicy: 'FAIL_IF_EXISTS' }).catch((error: unknown) => error);
      expect(refused).toMatchObject({ responseDetails: { status: 400 }, code: expect.stringMatching(/^UNDOCUMENTED_/) });
      expect(await kvs.get('v1:once')).toBe(1);
      await kvs.set('v1:ttl', 1, { ttl: { value: 1, unit: 'HOURS' } });
      clock.advance(3_600_000);
      expect(await kvs.get('v1:ttl')).toBeUndefined();
    });
  });

  it('turns injected rate-limit failures into ForgeKvsAPIError', async () => {
    const rt = runtime();
    rt.installation(WS).kvs.failNext(1);
    await inInvocation(rt, async () => {
      await expect(kvs.set('v1:x', 1)).rejects.toMatchObject({ code: 'RATE_LIMIT_EXCEEDED' });
      await kvs.set('v1:x', 1);
    });
  });

  it('persists to a state file with an atomic rename, and reads it back', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attest-kvs-'));
    const file = path.join(dir, 'kvs.json');
    const clock = new SimClock();
    const first = new LocalKvs(clock, file);
    expect(first.handle('/api/v1/set', { key: 'v1:p', value: { a: 1 } })[0]).toBe(200);
    expect(fs.readdirSync(dir)).toEqual(['kvs.json']);
    const second = new LocalKvs(clock, file);
    expect(second.handle('/api/v1/get', { key: 'v1:p' })).toEqual([200, expect.objectContaining({ key: 'v1:p', value: { a: 1 } })]);
  });
});
