/**
 * A promise with a time limit: {@link deadline} settles as the work does, or
 * as `expired` says once the time is up — with a fallback value (a
 * `deadline_exceeded` response) or by throwing (an error that names the step
 * that took too long). The timer is {@link delay}'s, so a fake clock drives it
 * too, and it is cleared as soon as the work settles.
 *
 * @module
 */
import { delay } from "./delay.ts";

/**
 * Why the timer is let go: any reason will do (delay only checks the abort),
 * and a given one spares `abort()` building a DOMException, with its stack,
 * on every call (socket writes and requests go through here).
 */
const SETTLED = "settled";

/**
 * `work`'s outcome, or once `ms` have passed the outcome of `expired()`: its
 * value, or its exception as a rejection. The work itself is not cancelled:
 * pass it a signal for that.
 */
export async function deadline<T, U = T>(
  work: Promise<T>,
  ms: number,
  expired: () => U | Promise<U>,
): Promise<T | U> {
  const settled = new AbortController();
  const timeUp = delay(ms, { signal: settled.signal })
    .then((elapsed): T | U | Promise<T | U> => elapsed ? expired() : work);
  try {
    return await Promise.race([work, timeUp]);
  } finally {
    settled.abort(SETTLED);
  }
}
