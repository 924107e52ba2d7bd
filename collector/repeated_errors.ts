/**
 * Logging for errors that recur every poll (an unreadable or garbled cgroup
 * file): each distinct message is logged when first seen and then at most once
 * per period, with how many times it recurred in between, so a persistent
 * problem stays visible without flooding the log.
 *
 * @module
 */
import { formatDuration } from "../shared/duration.ts";
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
      const template = entry
        ? "{error} (repeated {repeats} times since last logged)"
        : "{error} (if it recurs, logged again at most every {period} with a count)";
      this.logger.error(template, {
        error: message,
        repeats: entry?.repeats ?? 0,
        period: formatDuration(this.periodMs),
      });
      this.#seen.set(message, { loggedAtMs: nowMs, repeats: 0 });
    }
  }
}
