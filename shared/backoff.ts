/**
 * Capped exponential backoff with full jitter: before retry n (from 1) wait a
 * uniformly random time in [0, min(cap, base × 2^(n−1))), so clients that
 * failed together do not come back in lockstep. Used by the collector's
 * publisher, the aggregator's HTTP sinks and its delivery loops.
 */

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** A number in [0, 1); Math.random by default. */
  random?: () => number;
}

/** The longest wait before retry `attempt`, before jitter. */
export function backoffCeiling(attempt: number, options: BackoffOptions): number {
  return Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
}

/** The wait before retry `attempt`. */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const random = options.random ?? Math.random;
  return Math.floor(random() * backoffCeiling(attempt, options));
}
