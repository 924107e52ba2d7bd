/**
 * The bounded queue between sampling and publishing. It holds up to
 * `capacity` points waiting to be sent, each with the tags it is published
 * under, plus the ones whose publish call is in progress (the oldest). When full it keeps
 * the most recent points: the oldest waiting point is dropped, logged with its
 * sample time and counted.
 *
 * @module
 */
import type { PublishRequest } from "../shared/gen/aggregator_pb.ts";
import { log, sampleTime } from "../shared/log.ts";
import type { Tags } from "./tags.ts";

/** A point and the tags sent with it as request metadata. */
export interface TaggedPoint {
  tags: Tags;
  point: PublishRequest;
}

const logger = log("collector", "queue");

export class PointQueue {
  #entries: TaggedPoint[] = [];
  /** How many of the oldest entries are in the call in progress. */
  #inFlight = 0;
  #wake?: () => void;
  /** Points dropped because the queue was full. */
  dropped = 0;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.#entries.length;
  }

  /** Every point not yet delivered, oldest first. */
  get entries(): readonly TaggedPoint[] {
    return this.#entries;
  }

  push(entry: TaggedPoint): void {
    const waiting = this.#entries.length - this.#inFlight;
    if (waiting >= this.capacity) {
      const [victim] = this.#entries.splice(this.#inFlight, 1);
      this.dropped++;
      const time = Number(victim.point.unixTime);
      logger.warn(
        "queue full ({capacity} points): dropped the point sampled at {time}; {dropped} dropped so far",
        { capacity: this.capacity, time: sampleTime(time), unixTime: time, dropped: this.dropped },
      );
    }
    this.#entries.push(entry);
    this.#wake?.();
  }

  /**
   * Marks the oldest entries as being sent (so a full queue drops the next
   * waiting one instead), or clears the mark with an empty list.
   */
  sending(entries: readonly TaggedPoint[]): void {
    this.#inFlight = entries.length;
  }

  /** Removes entries once delivered or refused, and clears the in-flight mark. */
  remove(entries: readonly TaggedPoint[]): void {
    const gone = new Set(entries);
    this.#entries = this.#entries.filter((entry) => !gone.has(entry));
    this.#inFlight = 0;
  }

  /** Resolves once the queue holds a point, or when the signal aborts. */
  waitForPoint(signal: AbortSignal): Promise<void> {
    if (this.#entries.length > 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.#wake = undefined;
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.#wake = done;
      signal.addEventListener("abort", done, { once: true });
    });
  }
}
