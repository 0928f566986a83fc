/**
 * Product-event triggers get one delivery unless they ask for another: a returned InvocationError is
 * redelivered after `retryAfter` (up to 4 times), a thrown error is not
 * (https://developer.atlassian.com/platform/forge/events-reference/product_events/). A transient failure (the
 * queue refused the push, KVS or Bitbucket answered 429 or 5xx) asks for a retry with a backoff instead of losing
 * the event; a permanent one (a 404, a refused scope, a bug) is logged and dropped, since a retry would fail the
 * same way and the hourly plan catches up. The handlers are idempotent, so a retry after partial work is safe.
 */
import type { InvocationError } from '@forge/events';
import { z } from 'zod';
import { createLogger } from '../../lib/log';
import { classifyFailure, retryLater } from '../failures';
import { licenseState } from '../license';

const MAX_RETRIES = 4;

const Retried = z.object({ retryContext: z.object({ retryCount: z.number().int().nonnegative() }).optional() });

export function retryOnFailure(handler: string, run: (event: unknown, context: unknown) => Promise<void>) {
  return async (event: unknown, context: unknown): Promise<InvocationError | void> => {
    // An installation without an active licence is not read from Bitbucket: its events are let go.
    if (licenseState(context) === 'inactive') {
      createLogger({ handler }).info('Licence not active: event not handled');
      return;
    }
    try {
      await run(event, context);
    } catch (error) {
      const parsed = Retried.safeParse(event);
      const retries = parsed.success ? (parsed.data.retryContext?.retryCount ?? 0) : 0;
      const log = createLogger({ handler });
      const failure = classifyFailure(error);
      if (!failure.transient) {
        log.error('Event handling failed for good: dropped; the hourly run will catch up', { error: failure.reason, retries });
        return;
      }
      if (retries >= MAX_RETRIES) {
        log.error('Event handling failed after every retry: dropped; the hourly run will catch up', { error: failure.reason, retries });
        return;
      }
      log.warn('Event handling failed for now; asking Forge to deliver it again', { error: failure.reason, retries });
      return retryLater(failure, retries);
    }
  };
}
