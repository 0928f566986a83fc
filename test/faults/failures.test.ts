/**
 * Transient failures are retried with a backoff, permanent ones dropped: the errors are the SDKs' own classes
 * (@forge/kvs, @forge/events) and the Bitbucket client's, and the trigger wrapper answers Forge as its retry
 * contract says (an InvocationError to be delivered again, nothing to be dropped).
 */
import { InvocationError, PartialSuccessError, PayloadTooBigError, RateLimitError } from '@forge/events';
import { ForgeKvsAPIError } from '@forge/kvs';
import { BitbucketError } from '../../src/bitbucket/errors';
import { backoffSeconds, classifyFailure } from '../../src/handlers/failures';
import { retryOnFailure } from '../../src/handlers/triggers/retry';

const kvsError = (status: number, code: string) =>
  new ForgeKvsAPIError(
    { status, statusText: '', traceId: 't', httpMethod: 'POST', httpPath: '/api/v1/set', responseBodyLength: 0 },
    { code, message: `${code} from KVS`, context: {} },
  );
const busy = Object.assign(new Error('another invocation kept writing v1:lease:sum for 40 attempts: try again'), {
  name: 'LeaseBusyError',
});

describe('which failures a retry can cure', () => {
  test.each([
    ['Bitbucket 429 after retries', new BitbucketError('rate-limited', '/x', 429, ''), true, true],
    ['our hourly share spent', new BitbucketError('hour-spent', '/x', null, ''), true, true],
    ['Bitbucket 5xx or a network fault', new BitbucketError('upstream', '/x', 503, ''), true, false],
    ['a body cut short', new BitbucketError('malformed', '/x', 200, 'unexpected end of JSON'), true, false],
    ['Bitbucket 404', new BitbucketError('not-found', '/x', 404, ''), false, false],
    ['Bitbucket 403 (a refused scope)', new BitbucketError('forbidden', '/x', 403, ''), false, false],
    ['our own bug while reading', new BitbucketError('internal', '/x', null, 'TypeError'), false, false],
    ['KVS over its per-minute units', kvsError(429, 'RATE_LIMIT_EXCEEDED'), true, false],
    ['KVS 500', kvsError(500, 'INTERNAL_SERVER_ERROR'), true, false],
    ['KVS refusing a key', kvsError(400, 'INVALID_KEY'), false, false],
    ['KVS refusing a value too large', kvsError(413, 'PAYLOAD_TOO_LARGE'), false, false],
    ['the queue over its per-minute limit', new RateLimitError('too many events'), true, false],
    ['the queue taking part of a push', new PartialSuccessError('2 refused', { jobId: 'j' }, []), true, false],
    ['a push too big', new PayloadTooBigError('payload over 200 KB'), false, false],
    ['a write lease held elsewhere', busy, true, false],
    ['a reset connection', new Error('read ECONNRESET'), true, false],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'uuid')"), false, false],
  ])('%s: transient %s, waiting for the hour %s', (_name, error, transient, limited) => {
    expect(classifyFailure(error)).toMatchObject({ transient, limited });
  });

  test('backoff doubles from a minute to eight; limits wait ten minutes', () => {
    expect([0, 1, 2, 3].map((retries) => backoffSeconds(retries, false))).toEqual([60, 120, 240, 480]);
    expect(backoffSeconds(0, true)).toBe(600);
  });
});

describe('a trigger that fails', () => {
  const attempt = (error: unknown, retryCount: number) =>
    retryOnFailure('test', () => Promise.reject(error))(retryCount > 0 ? { retryContext: { retryCount } } : {}, {});

  test('transient: asks Forge to deliver again, later each time, and drops after the fourth retry', async () => {
    const error = kvsError(503, 'SERVICE_UNAVAILABLE');
    const answers = await Promise.all([0, 1, 2, 3, 4].map((retries) => attempt(error, retries)));
    // Read by shape: the answer is what Forge reads (retryOptions), whichever copy of @forge/events built it.
    expect(answers.slice(0, 4).map((answer) => (answer as InvocationError | undefined)?.retryOptions.retryAfter)).toEqual([
      60, 120, 240, 480,
    ]);
    expect(answers[4]).toBeUndefined();
  });

  test('permanent: dropped at once, not thrown (Forge would not retry a throw either) and not asked again', async () => {
    await expect(attempt(new BitbucketError('not-found', '/repositories/acme/gone', 404, ''), 0)).resolves.toBeUndefined();
  });
});
