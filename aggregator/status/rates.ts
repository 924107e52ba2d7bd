/**
 * Per-second rates of the aggregator's counters for the status page: each
 * snapshot samples the counters, and a rate is the difference between the
 * last two samples over the time between them. Samples closer than
 * `minGapMs` reuse the last rates, so many viewers polling at once do not
 * shorten the window to nothing.
 *
 * @module
 */

interface Sample {
  atMs: number;
  counts: Map<string, number>;
}

export class Rates {
  readonly #minGapMs: number;
  #previous?: Sample;
  #latest?: Sample;

  constructor(minGapMs: number) {
    this.#minGapMs = minGapMs;
  }

  /** Takes a sample of `counts` (by key) at `nowMs` unless the last one is too recent. */
  sample(nowMs: number, counts: Map<string, number>): void {
    if (this.#latest && nowMs - this.#latest.atMs < this.#minGapMs) return;
    this.#previous = this.#latest;
    this.#latest = { atMs: nowMs, counts };
  }

  /** The window the rates cover, in milliseconds; 0 before two samples. */
  get windowMs(): number {
    return this.#previous && this.#latest ? this.#latest.atMs - this.#previous.atMs : 0;
  }

  /** Per second between the last two samples; 0 before two samples. */
  perSecond(key: string): number {
    const windowMs = this.windowMs;
    if (windowMs === 0) return 0;
    const growth = (this.#latest!.counts.get(key) ?? 0) - (this.#previous!.counts.get(key) ?? 0);
    return Math.max(0, growth) * 1000 / windowMs;
  }
}
