/**
 * Sends queued points to the aggregator, oldest first, one call at a time,
 * each with its tags as metadata and a per-call timeout. Transient failures
 * keep the point at the head of the queue and retry it after a jittered,
 * capped backoff; a refusal (invalid argument, permission…) is logged with the
 * aggregator's message and the point is dropped and counted. `drain` stops
 * waiting for new points and flushes what is queued until a deadline.
 */
import { ConnectError } from "@connectrpc/connect";
import type { PublishRequest } from "../shared/gen/aggregator_pb.ts";
import { log } from "../shared/log.ts";
import { backoffDelay, type BackoffPolicy } from "../shared/backoff.ts";
import type { PointQueue } from "./queue.ts";
import { isRetryable } from "./retry.ts";
import { delay } from "../shared/delay.ts";
import type { AggregatorClient } from "./transport.ts";

export interface PublisherOptions {
  timeoutMs: number;
  headers: Record<string, string>;
  backoff: BackoffPolicy;
}

const logger = log("collector", "publisher");

export class Publisher {
  delivered = 0;
  /** Points the aggregator refused, dropped without retrying. */
  refused = 0;
  /** Aborted when draining starts: stop waiting for new points. */
  #draining = new AbortController();
  /** Aborted at the drain deadline: cut the call in progress. */
  #cutoff = new AbortController();
  /** The backoff sleep in progress, cut short when draining starts. */
  #nap?: AbortController;
  #deadline = Infinity;
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
   * Stops waiting for new points, sends the queued ones until `deadlineMs`
   * from now, and resolves with the points left unsent.
   */
  async drain(deadlineMs: number): Promise<readonly PublishRequest[]> {
    this.#deadline = performance.now() + deadlineMs;
    this.#draining.abort();
    this.#nap?.abort();
    const timer = setTimeout(() => this.#cutoff.abort(), deadlineMs);
    try {
      await this.#running;
    } finally {
      clearTimeout(timer);
    }
    return this.queue.points;
  }

  #remainingMs(): number {
    return this.#deadline - performance.now();
  }

  async #run(): Promise<void> {
    for (;;) {
      await this.queue.waitForPoint(this.#draining.signal);
      const point = this.queue.peek();
      if (point === undefined || this.#remainingMs() <= 0) return;
      if (await this.#send(point)) {
        this.#failures = 0;
        continue;
      }
      const wait = backoffDelay(++this.#failures, this.options.backoff);
      this.#nap = new AbortController();
      await delay(Math.min(wait, this.#remainingMs()), { signal: this.#nap.signal });
    }
  }

  /** Publishes one point; false when it should be retried. */
  async #send(point: PublishRequest): Promise<boolean> {
    this.queue.sending(point);
    try {
      await this.client.publish(point, {
        headers: this.options.headers,
        timeoutMs: Math.max(1, Math.min(this.options.timeoutMs, this.#remainingMs())),
        signal: this.#cutoff.signal,
      });
      this.queue.remove(point);
      this.delivered++;
      if (this.#failures > 0) {
        logger.info("aggregator reachable again after {failures} failed attempts", {
          failures: this.#failures,
        });
      }
      logger.debug("published the point of {time}", { time: Number(point.unixTime) });
      return true;
    } catch (error) {
      return this.#failed(point, ConnectError.from(error));
    } finally {
      this.queue.sending(undefined);
    }
  }

  #failed(point: PublishRequest, error: ConnectError): boolean {
    const time = Number(point.unixTime);
    // Cut at the drain deadline: the point stays queued and is reported unsent.
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
    this.queue.remove(point);
    this.refused++;
    logger.error(
      "the aggregator refused the point of {time}, dropping it: {error}; {refused} refused so far",
      { time, error: error.message, refused: this.refused },
    );
    return true;
  }
}
