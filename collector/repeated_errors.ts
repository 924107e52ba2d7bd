/**
 * Logging for errors that recur every poll (an unreadable or garbled cgroup
 * file): each distinct message is logged when first seen and then at most once
 * per period, with how many times it recurred in between, so a persistent
 * problem stays visible without flooding the log.
 *
 * @module
 */
import type { Logger } from "../shared/log.ts";

export class RepeatedErrors {
  #seen = new Map<string, { loggedAtMs: number; repeats: number }>();

  constructor(readonly logger: Logger, readonly periodMs: number) {}

  report(messages: readonly string[], nowMs: number): void {
    for (const message of messages) {
      const entry = this.#seen.get(message);
      if (entry && nowMs - entry.loggedAtMs < this.periodMs) {
        entry.repeats++;
        continue;
      }
      this.logger.error("{error} (repeated {repeats} times since last logged)", {
        error: message,
        repeats: entry?.repeats ?? 0,
      });
      this.#seen.set(message, { loggedAtMs: nowMs, repeats: 0 });
    }
  }
}
