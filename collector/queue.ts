/**
 * The bounded queue between sampling and publishing. It holds up to
 * `capacity` points waiting to be sent, each with the tags it is published
 * under, plus the one whose publish call is in progress. When full it keeps
 * the most recent points: the oldest waiting point is dropped, logged with its
 * sample time and counted.
 *
 * @module
 */
import type { PublishRequest } from "../shared/gen/aggregator_pb.ts";
import { log } from "../shared/log.ts";
import type { Tags } from "./tags.ts";

/** A point and the tags sent with it as request metadata. */
export interface TaggedPoint {
  tags: Tags;
  point: PublishRequest;
}

const logger = log("collector", "queue");

export class PointQueue {
  #entries: TaggedPoint[] = [];
  #sending?: TaggedPoint;
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
    const waiting = this.#entries.length - (this.#sending ? 1 : 0);
    if (waiting >= this.capacity) {
      const [victim] = this.#entries.splice(this.#sending ? 1 : 0, 1);
      this.dropped++;
      const time = Number(victim.point.unixTime);
      logger.warn(
        "queue full ({capacity} points): dropped the point sampled at {time} ({iso}); {dropped} dropped so far",
        {
          capacity: this.capacity,
          time,
          iso: new Date(time * 1000).toISOString(),
          dropped: this.dropped,
        },
      );
    }
    this.#entries.push(entry);
    this.#wake?.();
  }

  /** The oldest point, or undefined when empty. */
  peek(): TaggedPoint | undefined {
    return this.#entries[0];
  }

  /** Marks the oldest point as being sent (so a full queue drops the next one instead), or clears the mark. */
  sending(entry: TaggedPoint | undefined): void {
    this.#sending = entry;
  }

  /** Removes a point once delivered or refused; a point dropped meanwhile is already gone. */
  remove(entry: TaggedPoint): void {
    const index = this.#entries.indexOf(entry);
    if (index >= 0) this.#entries.splice(index, 1);
    if (this.#sending === entry) this.#sending = undefined;
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
