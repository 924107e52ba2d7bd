/** Bounded polling for cross-process tests: no fixed sleeps standing in for conditions. */
import { delay } from "../../shared/async/mod.ts";

/** Resolves once `condition` holds, checking every `everyMs`; false if `timeoutMs` passes first. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 250,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await delay(everyMs);
  }
}

export { delay };

/** Like `until`, but throws naming `what` on timeout. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  if (!await until(condition, timeoutMs)) {
    throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
  }
}
