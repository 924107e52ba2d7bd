/**
 * The sampling schedule: one poll per interval on a fixed grid measured with
 * the monotonic clock. A poll never overlaps the next; when polling falls
 * behind (a slow poll, a suspended machine) the loop polls once right away and
 * restarts the grid from now, instead of bursting through the missed polls.
 *
 * @module
 */
import { log } from "../shared/log.ts";
import { delay } from "../shared/async/mod.ts";

export interface PollTime {
  /** Wall-clock time of the poll, ms since the epoch: the point's timestamp. */
  wallMs: number;
  /** Monotonic time of the poll, ms: the base for rates. */
  monotonicMs: number;
}

const logger = log("collector", "loop");

export async function pollEvery(
  intervalMs: number,
  poll: (time: PollTime) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  let next = performance.now();
  while (!signal.aborted) {
    await poll({ wallMs: Date.now(), monotonicMs: performance.now() });
    next += intervalMs;
    const now = performance.now();
    if (now > next) {
      const skipped = Math.floor((now - next) / intervalMs);
      if (skipped > 0) {
        logger.warn("polling fell {behindMs} ms behind: skipped {skipped} polls, polling now", {
          behindMs: Math.round(now - next),
          skipped,
        });
      }
      next = now;
    }
    await delay(next - now, { signal });
  }
}
