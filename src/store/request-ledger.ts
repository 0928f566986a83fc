/**
 * The installation's request ledger: every Bitbucket request the app makes as itself is claimed here before it
 * is sent, so scans, retries, events, merge checks and evidence all count against one hour. Bitbucket limits
 * an app's requests over a rolling hour (https://support.atlassian.com/bitbucket-cloud/docs/api-request-limits/);
 * the ledger keeps 5-minute slots and sums the last thirteen (the last 60 to 65 minutes).
 *
 * Claims are atomic without a read-modify-write race: within a slot, claims are numbered, and each claim key
 * holds the slot's running total; a claim takes the next number with FAIL_IF_EXISTS, the only conditional
 * write KVS documents for keys (https://developer.atlassian.com/platform/forge/storage-reference/storage-api-basic/).
 * When another claim took that number first, it is read and the next one tried, with its total. One small
 * `window` document says where each slot's numbering stands: it may lag (it is written after the claim), so
 * it is only where the search starts, and a slot that has ended is checked forward once before it is summed.
 *
 * Cost: a claim is one read of the window, one conditional write, one write of the window, plus a read per
 * claim another invocation took first; invocations claim in chunks (a job's expected cost), not per request.
 */
import { ForgeKvsAPIError, kvs } from '@forge/kvs';
import { z } from 'zod';
import { keys } from './keys';

export const SLOT_MS = 5 * 60_000;
/** Thirteen slots: the current one and the twelve before it cover at least the last 60 minutes. */
const WINDOW_SLOTS = 13;
/** Kept a little over the window, then gone by TTL. */
const LEDGER_TTL = { value: 90, unit: 'MINUTES' } as const;
const CLAIM_ATTEMPTS = 12;

export const RequestKind = z.enum(['scan', 'event', 'interactive']);
export type RequestKind = z.infer<typeof RequestKind>;

/** A claim, or (negative `requests`) the return of what an invocation claimed and did not send. */
const Claim = z.object({ total: z.number().int().nonnegative(), requests: z.number().int(), kind: RequestKind });
/** Where a slot's numbering stands; `sealed` once it was checked forward a minute after it ended. */
const SlotState = z.object({
  slot: z.number().int(),
  last: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  sealed: z.boolean().default(false),
});
const Window = z.object({ slots: z.array(SlotState) });
type SlotState = z.infer<typeof SlotState>;

/** What a claim asks for: how many requests, of which kind, and the most the window may hold after it. */
export interface ClaimRequest {
  kind: RequestKind;
  requests: number;
  ceiling: number;
  now: number;
  /**
   * Called once the window is known to have room, before the claim is written: a merge check sends its first
   * request then, so the two KVS writes of the claim overlap Bitbucket's answer instead of preceding it.
   */
  onRoom?: () => void;
}

export interface ClaimAnswer {
  granted: boolean;
  /** Requests in the window, this claim included when granted. */
  spent: number;
  /** Refused: when enough of the window will have rolled out for the claim to fit (epoch milliseconds). */
  roomAt: number | null;
}

/** When the oldest slots leave the window far enough for `excess` requests to fit. */
function roomAt(slots: readonly SlotState[], excess: number, current: number): number {
  let left = excess;
  for (const state of [...slots].sort((a, b) => a.slot - b.slot)) {
    left -= state.total;
    if (left <= 0) return (state.slot + WINDOW_SLOTS) * SLOT_MS;
  }
  return (current + WINDOW_SLOTS) * SLOT_MS;
}

async function readClaim(slot: number, n: number) {
  const parsed = Claim.safeParse(await kvs.get(keys.requestClaim(slot, n)));
  return parsed.success ? parsed.data : undefined;
}

/** Claims may still land in a slot this long after it ended (an invocation that read the clock just before). */
const SEAL_AFTER_MS = 60_000;

/** A past slot's state brought forward past claims the window document has not heard of, then sealed. */
async function settled(state: SlotState, now: number): Promise<SlotState> {
  if (state.sealed) return state;
  let { last, total } = state;
  for (let next = await readClaim(state.slot, last + 1); next; next = await readClaim(state.slot, last + 1)) {
    last += 1;
    total = next.total;
  }
  return { slot: state.slot, last, total, sealed: now >= (state.slot + 1) * SLOT_MS + SEAL_AFTER_MS };
}

/** Every slot of the window, as the document knows it; one it does not mention starts at nothing (and is checked). */
async function readWindow(current: number): Promise<SlotState[]> {
  const parsed = Window.safeParse(await kvs.get(keys.requestWindow()));
  const known = new Map((parsed.success ? parsed.data.slots : []).map((state) => [state.slot, state]));
  return Array.from({ length: WINDOW_SLOTS }, (_, index) => current - WINDOW_SLOTS + 1 + index).map(
    (slot) => known.get(slot) ?? { slot, last: 0, total: 0, sealed: false },
  );
}

/** Takes the next claim number of the slot, or learns the claim that took it. Null when the number was free. */
async function takeNext(state: SlotState, claim: z.infer<typeof Claim>): Promise<z.infer<typeof Claim> | null> {
  try {
    await kvs.set(keys.requestClaim(state.slot, state.last + 1), claim, { keyPolicy: 'FAIL_IF_EXISTS', ttl: LEDGER_TTL });
    return null;
  } catch (error) {
    if (!(error instanceof ForgeKvsAPIError)) throw error;
    const taken = await readClaim(state.slot, state.last + 1);
    if (!taken) throw error;
    return taken;
  }
}

/**
 * Claims `requests` for the current slot if the window stays within `ceiling` after it. A refusal spends
 * nothing; a claim that keeps losing its number to others (twelve times) is refused as well, to be asked again.
 */
export async function claimRequests(request: ClaimRequest): Promise<ClaimAnswer> {
  const current = Math.floor(request.now / SLOT_MS);
  const known = await readWindow(current);
  const past = await Promise.all(known.filter((state) => state.slot < current).map((state) => settled(state, request.now)));
  const pastTotal = past.reduce((sum, state) => sum + state.total, 0);
  let state = known.find((entry) => entry.slot === current) ?? { slot: current, last: 0, total: 0, sealed: false };
  for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
    const excess = pastTotal + state.total + request.requests - request.ceiling;
    if (excess > 0) return { granted: false, spent: pastTotal + state.total, roomAt: roomAt([...past, state], excess, current) };
    request.onRoom?.();
    // A return is taken off this slot's total; what a slot holds never goes below nothing.
    const total = Math.max(0, state.total + request.requests);
    const taken = await takeNext(state, { total, requests: request.requests, kind: request.kind });
    if (taken) {
      state = { ...state, last: state.last + 1, total: taken.total };
      continue;
    }
    state = { ...state, last: state.last + 1, total };
    await kvs.set(keys.requestWindow(), { slots: [...past, state] }, { ttl: LEDGER_TTL });
    return { granted: true, spent: pastTotal + state.total, roomAt: null };
  }
  return { granted: false, spent: pastTotal + state.total, roomAt: request.now + SLOT_MS };
}

/**
 * Gives back requests an invocation claimed and did not send, as a claim of a negative number, if the slot it
 * claimed them in is still the current one. Once that slot has ended they stay counted: lowering a later slot
 * would leave it lowered after the earlier one leaves the window, and the window would count too little.
 */
export async function returnRequests(request: Omit<ClaimRequest, 'ceiling'> & { claimedAt: number }): Promise<void> {
  if (request.requests <= 0 || Math.floor(request.claimedAt / SLOT_MS) !== Math.floor(request.now / SLOT_MS)) return;
  await claimRequests({ kind: request.kind, requests: -request.requests, now: request.now, ceiling: Number.POSITIVE_INFINITY });
}

/**
 * Requests counted in the window that ends now. `exact`: a slot not sealed yet is checked forward past claims the
 * window document has not heard of (a read each); without it, what the document says, which may lag the last
 * claims by their window write (the dashboard's figure, one read instead of fourteen).
 */
export async function requestsInWindow(now: number, options: { exact: boolean } = { exact: true }): Promise<number> {
  const current = Math.floor(now / SLOT_MS);
  const known = await readWindow(current);
  const states = options.exact ? await Promise.all(known.map((state) => settled(state, now))) : known;
  return states.reduce((sum, state) => sum + state.total, 0);
}
