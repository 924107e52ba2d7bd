/**
 * The `Retry-After` response header (RFC 9110 §10.2.3): either a number of
 * seconds or an HTTP date. Returns the wait in milliseconds, never negative
 * and never longer than the caller's cap; `undefined` when absent or unreadable.
 *
 * @module
 */

/** The longest `Retry-After` a sink honours by default: 2 minutes. */
export const RETRY_AFTER_CAP_MS = 120_000;

/** The wait `header` asks for, in milliseconds, at most `capMs`. */
export function retryAfterMs(
  header: string | null,
  capMs: number,
  nowMs: number = Date.now(),
): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  let waitMs: number;
  if (/^\d+$/.test(text)) {
    waitMs = Number(text) * 1000;
  } else {
    // An HTTP date names its weekday and month; this keeps "-5" from parsing as a year.
    const date = /[a-z]{3}/i.test(text) ? Date.parse(text) : NaN;
    if (Number.isNaN(date)) return undefined;
    waitMs = date - nowMs;
  }
  return Math.min(capMs, Math.max(0, waitMs));
}
