/**
 * Product-event triggers get one delivery unless they ask for another: a returned InvocationError is
 * redelivered after `retryAfter` (up to 4 times), a thrown error is not
 * (https://developer.atlassian.com/platform/forge/events-reference/product_events/). A trigger that could not
 * queue its work (the queue refused the push, KVS answered 429) asks for a retry instead of losing the
 * event; the handlers are idempotent, so a retry after partial work is safe.
 */
import { InvocationError, InvocationErrorCode } from '@forge/events';
import { z } from 'zod';
import { createLogger } from '../../lib/log';

const MAX_RETRIES = 4;
const RETRY_AFTER_SECONDS = 60;

const Retried = z.object({ retryContext: z.object({ retryCount: z.number().int().nonnegative() }).optional() });

export function retryOnFailure(handler: string, run: (event: unknown, context: unknown) => Promise<void>) {
  return async (event: unknown, context: unknown): Promise<InvocationError | void> => {
    try {
      await run(event, context);
    } catch (error) {
      const parsed = Retried.safeParse(event);
      const retries = parsed.success ? (parsed.data.retryContext?.retryCount ?? 0) : 0;
      const log = createLogger({ handler });
      const message = error instanceof Error ? error.message : String(error);
      if (retries >= MAX_RETRIES) {
        log.error('Event handling failed after every retry; the hourly run will catch up', { error: message, retries });
        throw error;
      }
      log.warn('Event handling failed; asking Forge to deliver it again', { error: message, retries });
      return new InvocationError({ retryAfter: RETRY_AFTER_SECONDS, retryReason: InvocationErrorCode.FUNCTION_RETRY_REQUEST });
    }
  };
}
