/**
 * A count of events allowed per period: what lets a connection tell a server
 * that sends a few control frames per call from one that floods them (PING,
 * SETTINGS, empty frames), without keeping a timestamp per event.
 *
 * @module
 */
export class FrameBudget {
  #limit: number;
  #periodMs: number;
  #now: () => number;
  #periodStart: number;
  #spent = 0;

  constructor(limit: number, periodMs: number, now: () => number = Date.now) {
    this.#limit = limit;
    this.#periodMs = periodMs;
    this.#now = now;
    this.#periodStart = now();
  }

  /** Counts one event; false once more than `limit` came within the current period. */
  spend(): boolean {
    const now = this.#now();
    if (now - this.#periodStart >= this.#periodMs) {
      this.#periodStart = now;
      this.#spent = 0;
    }
    return ++this.#spent <= this.#limit;
  }
}
