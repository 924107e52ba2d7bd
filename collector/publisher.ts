/**
 * Sends queued points to the aggregator, oldest first, one call at a time,
 * each point with its own tags and every call with a timeout.
 *
 * Points go in batches (`PublishBatch`, as many as fit in one call), so a
 * backlog after an outage drains in a few calls. An aggregator that answers
 * `unimplemented` (the Go original) gets one `Publish` per point with its tags
 * as metadata instead, and is probed with a batch again every
 * `probeIntervalMs`, so an upgraded aggregator is picked up without a restart.
 * A call refused as too large (`resource_exhausted`) halves the byte budget of
 * the next one; each accepted batch doubles it back up to the maximum. Both
 * are kept per aggregator (by URL): behind a failover the current one may
 * change between calls, e.g. from a new aggregator to an old Go one.
 *
 * Transient failures keep the points at the head of the queue and retry them
 * after a jittered, capped backoff; a refusal (invalid argument, permission…),
 * of a whole call or of one entry of a batch, is logged with the aggregator's
 * reason and those points are dropped and counted. `drain` stops waiting for
 * new points and flushes what is queued for at most a given time.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { backoffDelay, type BackoffPolicy } from "../shared/backoff.ts";
import { delay } from "../shared/async/mod.ts";
import { log, sampleTime } from "../shared/log.ts";
import { batchRequest, MAX_BATCH_BYTES, nextBatch } from "./batch.ts";
import type { PointQueue, TaggedPoint } from "./queue.ts";
import { isRetryable } from "./retry.ts";
import type { AggregatorConnection } from "./transport.ts";

interface PublisherOptions {
  /** The longest one publish call may take. */
  callTimeoutMs: number;
  backoff: BackoffPolicy;
  /** How long to publish point by point before trying a batch again; 10 min by default. */
  probeIntervalMs?: number;
}

const PROBE_INTERVAL_MS = 10 * 60_000;
/** The smallest byte budget halving goes down to: one point always goes anyway. */
const MIN_BATCH_BYTES = 1024;

const logger = log("collector", "publisher");

/** What the publisher learnt about one aggregator. */
interface AggregatorState {
  url: string;
  /** Monotonic instant until which the aggregator is taken not to have PublishBatch. */
  pointByPointUntil: number;
  batchBytes: number;
}

export class Publisher {
  delivered = 0;
  /** Points the aggregator refused, dropped without retrying. */
  refused = 0;
  /** Calls made, by method. */
  readonly calls = { publish: 0, publishBatch: 0 };
  /** Aborted when draining starts: stop waiting for new points. */
  #draining = new AbortController();
  /** Aborted when the flush time is up: cut the call in progress. */
  #cutoff = new AbortController();
  /** The backoff sleep in progress, cut short when draining starts. */
  #nap?: AbortController;
  /** Monotonic instant (performance.now()) the flush ends at; none before draining. */
  #flushEndsAt = Infinity;
  /** By aggregator URL. */
  #aggregators = new Map<string, AggregatorState>();
  #failures = 0;
  #lastFailure = "";
  #running: Promise<void>;

  constructor(
    /** Where calls go: `baseUrl` names the aggregator the next call goes to. */
    readonly aggregator: Pick<AggregatorConnection, "client" | "baseUrl">,
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
      if (this.queue.length === 0 || this.#remainingMs() <= 0) return;
      if (await this.#sendNext()) {
        this.#failures = 0;
        continue;
      }
      const waitMs = backoffDelay(++this.#failures, this.options.backoff);
      this.#nap = new AbortController();
      await delay(Math.min(waitMs, this.#remainingMs()), { signal: this.#nap.signal });
    }
  }

  /** What is known of the aggregator the next call goes to. */
  #current(): AggregatorState {
    const url = this.aggregator.baseUrl;
    let state = this.#aggregators.get(url);
    if (!state) {
      state = { url, pointByPointUntil: 0, batchBytes: MAX_BATCH_BYTES };
      this.#aggregators.set(url, state);
    }
    return state;
  }

  /** Publishes the oldest points; false when they should be retried. */
  async #sendNext(): Promise<boolean> {
    const aggregator = this.#current();
    const batched = performance.now() >= aggregator.pointByPointUntil;
    const entries = batched
      ? nextBatch(this.queue.entries, aggregator.batchBytes)
      : this.queue.entries.slice(0, 1);
    this.queue.sending(entries);
    try {
      const refused = batched
        ? await this.#publishBatch(aggregator, entries)
        : await this.#publish(entries[0]);
      this.queue.remove(entries);
      this.delivered += entries.length - refused;
      if (this.#failures > 0) {
        logger.info("aggregator reachable again after {failures} failed attempts", {
          failures: this.#failures,
        });
      }
      if (logger.isEnabledFor("debug")) {
        const published = subject(entries);
        logger.debug(`published ${published.text}`, published.properties);
      }
      return true;
    } catch (error) {
      const failure = ConnectError.from(error);
      if (batched && failure.code === Code.Unimplemented && !this.#cutoff.signal.aborted) {
        this.#publishPointByPoint(aggregator, failure);
        return true;
      }
      if (batched && failure.code === Code.ResourceExhausted && entries.length > 1) {
        aggregator.batchBytes = Math.max(MIN_BATCH_BYTES, Math.floor(aggregator.batchBytes / 2));
      }
      return this.#failed(entries, failure);
    } finally {
      this.queue.sending([]);
    }
  }

  /** One `Publish` call; resolves with the number of points refused (none). */
  async #publish(entry: TaggedPoint): Promise<number> {
    this.calls.publish++;
    await this.aggregator.client.publish(entry.point, {
      headers: entry.tags,
      ...this.#callOptions(),
    });
    return 0;
  }

  /** One `PublishBatch` call; resolves with the number of entries the aggregator refused. */
  async #publishBatch(
    aggregator: AggregatorState,
    entries: readonly TaggedPoint[],
  ): Promise<number> {
    this.calls.publishBatch++;
    const response = await this.aggregator.client.publishBatch(
      batchRequest(entries),
      this.#callOptions(),
    );
    aggregator.batchBytes = Math.min(MAX_BATCH_BYTES, aggregator.batchBytes * 2);
    for (const { index, reason } of response.rejected) {
      const entry = entries[index];
      this.refused++;
      logger.error(
        "the aggregator refused the point of {time} from container {container}, dropping it: " +
          "{reason}; {refused} refused so far",
        {
          time: sampleTime(Number(entry?.point.unixTime)),
          unixTime: Number(entry?.point.unixTime),
          container: entry?.tags.container,
          reason,
          refused: this.refused,
        },
      );
    }
    return response.rejected.length;
  }

  #callOptions() {
    return {
      timeoutMs: Math.max(1, Math.min(this.options.callTimeoutMs, this.#remainingMs())),
      signal: this.#cutoff.signal,
    };
  }

  #publishPointByPoint(aggregator: AggregatorState, failure: ConnectError): void {
    const probeMs = this.options.probeIntervalMs ?? PROBE_INTERVAL_MS;
    aggregator.pointByPointUntil = performance.now() + probeMs;
    logger.info(
      "the aggregator {aggregator} does not take batches ({error}): publishing one point " +
        "per call to it, trying a batch again in {probeSeconds} s",
      {
        aggregator: aggregator.url,
        error: failure.message,
        probeSeconds: Math.round(probeMs / 1000),
      },
    );
  }

  #failed(entries: readonly TaggedPoint[], error: ConnectError): boolean {
    const { text, properties } = subject(entries);
    // Cut when the flush time ran out: the points stay queued and are reported unsent.
    if (this.#cutoff.signal.aborted) return false;
    if (isRetryable(error)) {
      // The first failure of an outage, and any change of reason, are worth a warning.
      const level = this.#failures === 0 || error.message !== this.#lastFailure ? "warn" : "debug";
      this.#lastFailure = error.message;
      logger[level](`publishing ${text} failed, will retry: {error} ({queued} queued)`, {
        ...properties,
        error: error.message,
        queued: this.queue.length,
      });
      return false;
    }
    this.queue.remove(entries);
    this.refused += entries.length;
    logger.error(`the aggregator refused ${text}, dropping it: {error}; {refused} refused so far`, {
      ...properties,
      error: error.message,
      refused: this.refused,
    });
    return true;
  }
}

/**
 * How log lines name the points of a call: a template fragment ("the point of
 * {time}", or "{count} points sampled {first}..{last}") and its properties.
 */
function subject(entries: readonly TaggedPoint[]) {
  const times = entries.map((entry) => Number(entry.point.unixTime));
  const properties = {
    time: sampleTime(times[0]),
    /** Every sample time in Unix seconds, for a reader of JSON logs. */
    times,
    count: times.length,
    first: sampleTime(Math.min(...times)),
    last: sampleTime(Math.max(...times)),
  };
  const text = times.length === 1
    ? "the point of {time}"
    : "{count} points sampled {first}..{last}";
  return { text, properties };
}
