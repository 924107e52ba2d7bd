/**
 * Sends queued points to the aggregator, oldest first, one call at a time,
 * each with its own tags as metadata and a per-call timeout. Transient
 * failures keep the point at the head of the queue and retry it after a
 * jittered, capped backoff; a refusal (invalid argument, permission…) is
 * logged with the aggregator's message and the point is dropped and counted.
 * `drain` stops waiting for new points and flushes what is queued for at most
 * a given time.
 *
 * @module
 */
import { ConnectError } from "@connectrpc/connect";
import { backoffDelay, type BackoffPolicy } from "../shared/backoff.ts";
import { delay } from "../shared/delay.ts";
import { log } from "../shared/log.ts";
import type { PointQueue, TaggedPoint } from "./queue.ts";
import { isRetryable } from "./retry.ts";
import type { AggregatorClient } from "./transport.ts";

interface PublisherOptions {
  /** The longest one publish call may take. */
  callTimeoutMs: number;
  backoff: BackoffPolicy;
}

const logger = log("collector", "publisher");

export class Publisher {
  delivered = 0;
  /** Points the aggregator refused, dropped without retrying. */
  refused = 0;
  /** Aborted when draining starts: stop waiting for new points. */
  #draining = new AbortController();
  /** Aborted when the flush time is up: cut the call in progress. */
  #cutoff = new AbortController();
  /** The backoff sleep in progress, cut short when draining starts. */
  #nap?: AbortController;
  /** Monotonic instant (performance.now()) the flush ends at; none before draining. */
  #flushEndsAt = Infinity;
  #failures = 0;
  #lastFailure = "";
  #running: Promise<void>;

  constructor(
    readonly client: AggregatorClient,
    readonly queue: PointQueue,
    readonly options: PublisherOptions,
  ) {
    this.#running = this.#run();
  }

  /**
   * Stops waiting for new points, sends the queued ones for at most `flushMs`,
   * and resolves with the points left unsent.
   */
  async drain(flushMs: number): Promise<readonly TaggedPoint[]> {
    this.#flushEndsAt = performance.now() + flushMs;
    this.#draining.abort();
    this.#nap?.abort();
    const finished = new AbortController();
    const cutoff = delay(flushMs, { signal: finished.signal }).then((elapsed) => {
      if (elapsed) this.#cutoff.abort();
    });
    try {
      await this.#running;
    } finally {
      finished.abort();
      await cutoff;
    }
    return this.queue.entries;
  }

  #remainingMs(): number {
    return this.#flushEndsAt - performance.now();
  }

  async #run(): Promise<void> {
    for (;;) {
      await this.queue.waitForPoint(this.#draining.signal);
      const entry = this.queue.peek();
      if (entry === undefined || this.#remainingMs() <= 0) return;
      if (await this.#send(entry)) {
        this.#failures = 0;
        continue;
      }
      const waitMs = backoffDelay(++this.#failures, this.options.backoff);
      this.#nap = new AbortController();
      await delay(Math.min(waitMs, this.#remainingMs()), { signal: this.#nap.signal });
    }
  }

  /** Publishes one point with its tags; false when it should be retried. */
  async #send(entry: TaggedPoint): Promise<boolean> {
    this.queue.sending(entry);
    try {
      await this.client.publish(entry.point, {
        headers: entry.tags,
        timeoutMs: Math.max(1, Math.min(this.options.callTimeoutMs, this.#remainingMs())),
        signal: this.#cutoff.signal,
      });
      this.queue.remove(entry);
      this.delivered++;
      if (this.#failures > 0) {
        logger.info("aggregator reachable again after {failures} failed attempts", {
          failures: this.#failures,
        });
      }
      logger.debug("published the point of {time}", { time: Number(entry.point.unixTime) });
      return true;
    } catch (error) {
      return this.#failed(entry, ConnectError.from(error));
    } finally {
      this.queue.sending(undefined);
    }
  }

  #failed(entry: TaggedPoint, error: ConnectError): boolean {
    const time = Number(entry.point.unixTime);
    // Cut when the flush time ran out: the point stays queued and is reported unsent.
    if (this.#cutoff.signal.aborted) return false;
    if (isRetryable(error)) {
      // The first failure of an outage, and any change of reason, are worth a warning.
      const level = this.#failures === 0 || error.message !== this.#lastFailure ? "warn" : "debug";
      this.#lastFailure = error.message;
      logger[level](
        "publishing the point of {time} failed, will retry: {error} ({queued} queued)",
        {
          time,
          error: error.message,
          queued: this.queue.length,
        },
      );
      return false;
    }
    this.queue.remove(entry);
    this.refused++;
    logger.error(
      "the aggregator refused the point of {time}, dropping it: {error}; {refused} refused so far",
      { time, error: error.message, refused: this.refused },
    );
    return true;
  }
}
