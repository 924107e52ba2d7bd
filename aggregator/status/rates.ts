/**
 * Per-second rates of the aggregator's counters for the status page: each
 * snapshot samples the counters, and a rate is the growth from the oldest
 * sample still within `windowMs` to the newest, over the time between them
 * — long enough to smooth the steps of batched delivery. Samples closer than
 * `minGapMs` to the last one are not kept, so viewers polling at once neither
 * shorten the window nor grow the samples past `windowMs / minGapMs`.
 *
 * @module
 */

interface Sample {
  atMs: number;
  counts: Map<string, number>;
}

export class Rates {
  readonly #minGapMs: number;
  readonly #windowMs: number;
  /** Oldest first. */
  #samples: Sample[] = [];

  constructor(minGapMs: number, windowMs: number) {
    this.#minGapMs = minGapMs;
    this.#windowMs = windowMs;
  }

  /** Takes a sample of `counts` (by key) at `nowMs` unless the last one is too recent. */
  sample(nowMs: number, counts: Map<string, number>): void {
    const last = this.#samples.at(-1);
    if (last && nowMs - last.atMs < this.#minGapMs) return;
    this.#samples.push({ atMs: nowMs, counts });
    // The oldest sample still reaching back to the window's start is kept.
    while (this.#samples.length > 2 && nowMs - this.#samples[1].atMs >= this.#windowMs) {
      this.#samples.shift();
    }
  }

  /** The window the rates cover, in milliseconds; 0 before two samples. */
  get windowMs(): number {
    return this.#samples.length < 2 ? 0 : this.#samples.at(-1)!.atMs - this.#samples[0].atMs;
  }

  /** Per second over the window; 0 before two samples. */
  perSecond(key: string): number {
    const windowMs = this.windowMs;
    if (windowMs === 0) return 0;
    const growth = (this.#samples.at(-1)!.counts.get(key) ?? 0) -
      (this.#samples[0].counts.get(key) ?? 0);
    return Math.max(0, growth) * 1000 / windowMs;
  }
}
