/**
 * The accept loop of the listeners on `Deno.listen` (the cleartext main
 * listener and the metrics listener). A failed accept, typically EMFILE (the
 * process is out of file descriptors), never ends the process: the first
 * failure of a run is logged once, the loop pauses with a doubling delay (so
 * it does not spin while descriptors stay exhausted) and tries again, and the
 * first success after a run says that accepting resumed.
 *
 * @module
 */
import { delay } from "../../shared/async/mod.ts";
import { log } from "../../shared/log.ts";

const logger = log("aggregator", "listener");

/** First pause after a failed accept, and the most it grows to. */
const FIRST_PAUSE_MS = 10;
const LONGEST_PAUSE_MS = 1_000;

/**
 * Hands each connection `server` accepts to `handle` until `stopped` aborts
 * or the listener is closed. `what` names the listener in log lines.
 */
export async function acceptEach<C extends Deno.Conn>(
  server: Deno.Listener<C>,
  what: string,
  stopped: AbortSignal,
  handle: (conn: C) => void,
): Promise<void> {
  let failures = 0;
  let pauseMs = FIRST_PAUSE_MS;
  while (!stopped.aborted) {
    let conn: C;
    try {
      conn = await server.accept();
    } catch (error) {
      if (stopped.aborted || error instanceof Deno.errors.BadResource) return;
      if (failures++ === 0) {
        logger.warn("{listener}: accepting connections failed, retrying: {error}", {
          listener: what,
          error: String(error),
        });
      }
      await delay(pauseMs, { signal: stopped });
      pauseMs = Math.min(pauseMs * 2, LONGEST_PAUSE_MS);
      continue;
    }
    if (failures) {
      logger.info("{listener}: accepting connections again after {failures} failed accepts", {
        listener: what,
        failures,
      });
      failures = 0;
      pauseMs = FIRST_PAUSE_MS;
    }
    handle(conn);
  }
}
