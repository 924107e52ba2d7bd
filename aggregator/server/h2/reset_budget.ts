/**
 * How many stream resets one HTTP/2 connection may cause in a window of time
 * (HTTP/2 rapid reset, CVE-2023-44487): resets the client sends and streams
 * the server refuses over the concurrency limit alike. Past the budget the
 * connection gets GOAWAY(ENHANCE_YOUR_CALM).
 *
 * @module
 */

/** The window `maxStreamResets` counts in. */
export const RESET_WINDOW_MS = 10_000;

export class ResetBudget {
  #count = 0;
  #windowStart: number;

  constructor(readonly max: number, readonly now: () => number = Date.now) {
    this.#windowStart = now();
  }

  /** Counts one reset; true when that exceeds the budget of the current window. */
  spend(): boolean {
    const now = this.now();
    if (now - this.#windowStart > RESET_WINDOW_MS) {
      this.#windowStart = now;
      this.#count = 0;
    }
    return ++this.#count > this.max;
  }
}
