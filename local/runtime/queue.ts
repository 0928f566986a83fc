/**
 * The local async-events queue (`@forge/events` pushes to `/webhook/queue/publish/…`): per-installation
 * limits and injected push faults, at-least-once delivery to the manifest's consumers (duplicated or shuffled
 * on request), and the platform's retries of consumers and product-event triggers.
 */
import crypto from 'node:crypto';
import type { Clock, SimClock } from './clock';
import { isRetryRequest, json, type Installation, type InvocationRecord, type Invoke, type QueuedEvent } from './types';

export interface QueueOptions {
  /** Deliver every event twice (at-least-once). */
  duplicate?: boolean;
  /** Deliver ready events in a shuffled order. */
  reorder?: boolean;
  /** Retries after the first attempt before an event is dropped (Forge: up to 4). */
  maxRetries?: number;
  /** Events a minute an installation may push (Forge: 500). */
  eventsPerMinute?: number;
  /**
   * Deliver events pushed with `delayInSeconds` as soon as the queue reaches them, in the order their delays
   * set (the CLI on the wall clock: the app spreads an hour's jobs over 14 minutes, which a one-off scan need
   * not wait for). Retries the platform schedules (a consumer's InvocationError, a timeout) still wait.
   */
  skipPlannedDelays?: boolean;
  seed?: number;
}

/** What the queue needs of the runtime around it. */
export interface QueueHost {
  clock: Clock & Partial<Pick<SimClock, 'advanceTo'>>;
  options: QueueOptions;
  installations: () => Iterable<Installation>;
  invoke: Invoke;
  /** The consumer function subscribed to a queue, if any. */
  consumerFor: (queueName: string) => { function: string; key: string } | undefined;
  random: () => number;
}

type PublishedEvent = { body: unknown; delayInSeconds?: number };

export class LocalQueue {
  private sequence = 0;

  constructor(private readonly host: QueueHost) {}

  nextSequence(): number {
    return this.sequence++;
  }

  /**
   * A push of events (`/webhook/queue/publish/…`). 429 → RateLimitError (@forge/events out/validators.js),
   * 500 events a minute (https://developer.atlassian.com/platform/forge/limits-async-events/); 202 with
   * `failedEvents: [{index, errorMessage}]` → PartialSuccessError naming the refused events, the rest accepted.
   */
  publish(installation: Installation, body: Record<string, unknown>): Response {
    const events = Array.isArray(body.payload) ? (body.payload as PublishedEvent[]) : [];
    const size = Buffer.byteLength(JSON.stringify(events));
    if (size > 200 * 1024) return json(413, { errorMessage: `payload is ${size} bytes; the limit is 200 KB` });
    const now = this.host.clock.now();
    installation.pushedAt = installation.pushedAt.filter((at) => at > now - 60_000);
    if (installation.pushFaults.rateLimitPushes > 0) {
      installation.pushFaults.rateLimitPushes--;
      return json(429, { message: 'queue rate limit reached (injected)' });
    }
    if (installation.pushedAt.length + events.length > (this.host.options.eventsPerMinute ?? 500))
      return json(429, { message: 'queue rate limit reached' });
    const failedEvents: Array<{ index: number; errorMessage: string }> = [];
    for (const [index, event] of events.entries()) {
      if (installation.pushFaults.refuseEvents > 0) {
        installation.pushFaults.refuseEvents--;
        failedEvents.push({ index, errorMessage: 'event not recorded (injected)' });
        continue;
      }
      installation.pushedAt.push(now);
      this.enqueue(installation, { queueName: String(body.queueName), jobId: String(body.jobId), event, now });
    }
    if (failedEvents.length > 0) return json(202, { jobId: body.jobId, failedEvents });
    return json(201, { jobId: body.jobId });
  }

  private enqueue(installation: Installation, pushed: { queueName: string; jobId: string; event: PublishedEvent; now: number }): void {
    const { queueName, jobId, event, now } = pushed;
    const planned = now + (event.delayInSeconds ?? 0) * 1000;
    const queued: QueuedEvent = {
      eventId: crypto.randomUUID(),
      queueName,
      jobId,
      body: event.body,
      deliverAt: this.host.options.skipPlannedDelays ? now : planned,
      order: planned,
      retryCount: 0,
      sequence: this.nextSequence(),
    };
    installation.queue.push(queued);
    if (this.host.options.duplicate) installation.queue.push({ ...queued, sequence: this.nextSequence() });
  }

  /** Events waiting in every installation's queue. */
  pending(): number {
    return [...this.host.installations()].reduce((sum, installation) => sum + installation.queue.length, 0);
  }

  /**
   * Delivers queued events until the queues are empty (or `maxInvocations`), moving the simulated clock forward
   * to delayed events and retries. Returns the number of deliveries.
   */
  async drain(options: { maxInvocations?: number; until?: number } = {}): Promise<number> {
    let deliveries = 0;
    const max = options.maxInvocations ?? 100_000;
    while (deliveries < max) {
      const next = this.nextReady(options.until);
      if (!next) break;
      const [installation, event] = next;
      installation.queue.splice(installation.queue.indexOf(event), 1);
      deliveries++;
      await this.deliver(installation, event);
    }
    return deliveries;
  }

  private nextReady(until: number | undefined): [Installation, QueuedEvent] | null {
    const { clock } = this.host;
    const all: Array<[Installation, QueuedEvent]> = [];
    for (const installation of this.host.installations()) for (const event of installation.queue) all.push([installation, event]);
    if (all.length === 0) return null;
    let ready = all.filter(([, event]) => event.deliverAt <= clock.now());
    if (ready.length === 0) {
      const earliest = Math.min(...all.map(([, event]) => event.deliverAt));
      if (until !== undefined && earliest > until) return null;
      if (!clock.advanceTo) return null;
      clock.advanceTo(earliest);
      ready = all.filter(([, event]) => event.deliverAt <= earliest);
    }
    if (this.host.options.reorder) return ready[Math.floor(this.host.random() * ready.length)] ?? null;
    ready.sort(([, a], [, b]) => (a.order ?? a.deliverAt) - (b.order ?? b.deliverAt) || a.sequence - b.sequence);
    return ready[0] ?? null;
  }

  /** The earliest event still waiting, when no clock can be moved to it: when, and why it waits. */
  nextDelivery(): { at: number; retryReason: string | null } | null {
    let next: QueuedEvent | null = null;
    for (const installation of this.host.installations())
      for (const event of installation.queue) if (next === null || event.deliverAt < next.deliverAt) next = event;
    return next === null ? null : { at: next.deliverAt, retryReason: next.retryReason ?? null };
  }

  private async deliver(installation: Installation, event: QueuedEvent): Promise<void> {
    if (event.trigger) {
      await this.deliverToTrigger(installation, event);
      return;
    }
    const consumer = this.host.consumerFor(event.queueName);
    if (!consumer) {
      installation.dropped.push(event);
      return;
    }
    const payload = {
      body: event.body,
      queueName: event.queueName,
      jobId: event.jobId,
      eventId: event.eventId,
      ...(event.retryCount > 0 ? { retryContext: retryContextOf(event) } : {}),
    };
    const { record, result } = await this.host.invoke(
      { functionKey: consumer.function, module: `consumer:${consumer.key}`, installation },
      payload,
    );
    // Forge retries failed and timed-out consumers with exponential backoff (docs/platform-facts.md §6).
    this.retryIfAsked(installation, event, { record, result, retryErrors: true });
  }

  /**
   * One delivery of a product event to a trigger. A returned InvocationError is retried after its
   * `retryAfter` (≤900 s), at most 4 times, with `retryContext` in the event; a timeout is retried too; an
   * error the function throws is not (https://developer.atlassian.com/platform/forge/events-reference/product_events/).
   */
  async deliverToTrigger(installation: Installation, event: QueuedEvent): Promise<InvocationRecord> {
    const trigger = event.trigger;
    if (!trigger) throw new Error(`event ${event.eventId} is not a product event`);
    const body = event.retryCount > 0 ? { ...(event.body as Record<string, unknown>), retryContext: retryContextOf(event) } : event.body;
    const { record, result } = await this.host.invoke({ functionKey: trigger.function, module: trigger.module, installation }, body);
    this.retryIfAsked(installation, event, { record, result, retryErrors: false });
    return record;
  }

  /** Queues the event again when the function asked for it (or, per `retryErrors`, failed); drops it past the last retry. */
  private retryIfAsked(
    installation: Installation,
    event: QueuedEvent,
    outcome: { record: InvocationRecord; result: unknown; retryErrors: boolean },
  ): void {
    const { record, result, retryErrors } = outcome;
    let retryAfterSeconds: number | null = null;
    if (isRetryRequest(result)) {
      retryAfterSeconds = result.retryOptions?.retryAfter ?? 60;
      event.retryReason = result.retryOptions?.retryReason;
      event.retryData = result.retryOptions?.retryData;
    } else if (record.outcome === 'timeout' || (retryErrors && record.outcome === 'error')) {
      retryAfterSeconds = 30 * 2 ** event.retryCount;
      event.retryReason = record.outcome === 'timeout' ? 'FUNCTION_TIME_OUT' : 'FUNCTION_PLATFORM_UNKNOWN_ERROR';
    }
    if (retryAfterSeconds === null) return;
    const maxRetries = event.trigger ? 4 : (this.host.options.maxRetries ?? 4);
    if (event.retryCount >= maxRetries) {
      installation.dropped.push(event);
      return;
    }
    const at = this.host.clock.now() + Math.min(900, retryAfterSeconds) * 1000;
    installation.queue.push({ ...event, retryCount: event.retryCount + 1, deliverAt: at, order: at, sequence: this.nextSequence() });
  }
}

function retryContextOf(event: QueuedEvent) {
  return { retryCount: event.retryCount, retryReason: event.retryReason, retryData: event.retryData };
}
