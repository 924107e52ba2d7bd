/**
 * Capped exponential backoff with full jitter: before retry n (from 1) wait a
 * uniformly random time in [0, min(cap, base × 2^(n−1))), so clients that
 * failed together do not come back in lockstep. One policy type and every
 * default in one place: the collector's publisher, the aggregator's HTTP sinks
 * and its delivery loops each take a {@link BackoffPolicy}.
 *
 * @module
 */

/** How long to wait between tries. */
export interface BackoffPolicy {
  /** The first ceiling; it doubles per retry up to `capMs`. */
  baseMs: number;
  capMs: number;
  /** A number in [0, 1) for jitter; Math.random by default. */
  random?: () => number;
}

/** The defaults, by who backs off. */
export const BACKOFF = {
  /** The collector retrying a publish call: 0.2 s doubling, capped at 5 s. */
  publish: { baseMs: 200, capMs: 5_000 },
  /** An HTTP sink retrying one request: 1 s doubling, capped at 30 s. */
  sinkRequest: { baseMs: 1_000, capMs: 30_000 },
  /** A delivery loop pausing after a deferred batch: 1 s doubling, capped at 1 min. */
  deliveryRound: { baseMs: 1_000, capMs: 60_000 },
} as const satisfies Record<string, BackoffPolicy>;

/** The longest wait before retry `attempt`, before jitter. */
export function backoffCeiling(attempt: number, policy: BackoffPolicy): number {
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
}

/** The wait before retry `attempt`. */
export function backoffDelay(attempt: number, policy: BackoffPolicy): number {
  const random = policy.random ?? Math.random;
  return Math.floor(random() * backoffCeiling(attempt, policy));
}
