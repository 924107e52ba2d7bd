/**
 * Capped exponential backoff with full jitter: before retry n (from 1) wait a
 * uniformly random time in [0, min(cap, base × 2^(n−1))), so collectors that
 * lost the aggregator together do not come back in lockstep.
 */

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** A number in [0, 1); Math.random by default. */
  random?: () => number;
}

export const PUBLISH_BACKOFF: BackoffOptions = { baseMs: 200, capMs: 5_000 };

/** The longest wait before retry `attempt`, before jitter. */
export function backoffCeiling(attempt: number, options: BackoffOptions): number {
  return Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
}

/** The wait before retry `attempt`. */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const random = options.random ?? Math.random;
  return Math.floor(random() * backoffCeiling(attempt, options));
}
