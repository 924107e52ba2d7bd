/**
 * The bounded queue between sampling and publishing. It holds up to
 * `capacity` points waiting to be sent, plus the one whose publish call is in
 * progress. When full it keeps the most recent points: the oldest waiting
 * point is dropped, logged with its sample time and counted.
 */
import type { PublishRequest } from "../shared/gen/aggregator_pb.ts";
import { log } from "../shared/log.ts";

const logger = log("collector", "queue");

export class PointQueue {
  #points: PublishRequest[] = [];
  #sending?: PublishRequest;
  #wake?: () => void;
  /** Points dropped because the queue was full. */
  dropped = 0;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.#points.length;
  }

  /** Every point not yet delivered, oldest first. */
  get points(): readonly PublishRequest[] {
    return this.#points;
  }

  push(point: PublishRequest): void {
    const waiting = this.#points.length - (this.#sending ? 1 : 0);
    if (waiting >= this.capacity) {
      const [victim] = this.#points.splice(this.#sending ? 1 : 0, 1);
      this.dropped++;
      logger.warn(
        "queue full ({capacity} points): dropped the point sampled at {time} ({iso}); {dropped} dropped so far",
        {
          capacity: this.capacity,
          time: Number(victim.unixTime),
          iso: new Date(Number(victim.unixTime) * 1000).toISOString(),
          dropped: this.dropped,
        },
      );
    }
    this.#points.push(point);
    this.#wake?.();
  }

  /** The oldest point, or undefined when empty. */
  peek(): PublishRequest | undefined {
    return this.#points[0];
  }

  /** Marks the oldest point as being sent (so a full queue drops the next one instead), or clears the mark. */
  sending(point: PublishRequest | undefined): void {
    this.#sending = point;
  }

  /** Removes a point once delivered or refused; a point dropped meanwhile is already gone. */
  remove(point: PublishRequest): void {
    const index = this.#points.indexOf(point);
    if (index >= 0) this.#points.splice(index, 1);
    if (this.#sending === point) this.#sending = undefined;
  }

  /** Resolves once the queue holds a point, or when the signal aborts. */
  waitForPoint(signal: AbortSignal): Promise<void> {
    if (this.#points.length > 0 || signal.aborted) return Promise.resolve();
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
