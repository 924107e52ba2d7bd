/**
 * A cap on the distinct tag sets (one per container and name combination, so
 * one series source at every destination) the aggregator takes per hour, so
 * one broken or hostile client cannot multiply the destinations' series count.
 * Global, not per peer: the destinations' limits are global too.
 *
 * Windows are tumbling hours. A tag set seen in the current or the previous
 * hour is always taken, so a steady fleet is never cut at a window's edge; a
 * new one is taken while the current hour holds fewer than `max` sets, and
 * refused once it is full. Memory stays within two windows of `max` keys.
 *
 * @module
 */
import { TAG_NAMES, type Tags } from "../../shared/tags.ts";

const HOUR_MS = 3_600_000;

export class TagSetLimit {
  #current = new Set<string>();
  #previous = new Set<string>();
  #windowStartMs = -Infinity;

  constructor(readonly max: number, readonly windowMs = HOUR_MS) {}

  /** Whether a point with `tags` may be taken at `nowMs`; a new tag set counts from now. */
  admit(tags: Tags, nowMs: number): boolean {
    this.#roll(nowMs);
    const key = tagSetKey(tags);
    if (this.#current.has(key)) return true;
    if (this.#previous.has(key) || this.#current.size < this.max) {
      this.#current.add(key);
      return true;
    }
    return false;
  }

  #roll(nowMs: number): void {
    const elapsed = nowMs - this.#windowStartMs;
    if (elapsed < this.windowMs) return;
    this.#previous = elapsed < 2 * this.windowMs ? this.#current : new Set();
    this.#current = new Set();
    this.#windowStartMs = Number.isFinite(this.#windowStartMs)
      ? nowMs - (elapsed % this.windowMs)
      : nowMs;
  }
}

/** Tag values hold no control characters (shared/tags.ts), so NUL separates them unambiguously. */
function tagSetKey(tags: Tags): string {
  let key = "";
  for (const name of TAG_NAMES) key += (tags[name] ?? "") + "\0";
  return key;
}
