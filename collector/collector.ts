/**
 * The running collector: samples each of its sources every poll interval
 * (a fixed list, or the list a function gives at each poll),
 * queues each point with its source's tags in one bounded queue, and publishes
 * them to one of the configured aggregators, failing over between them
 * (collector/failover.ts). Started, then stopped in order — stop polling,
 * flush the queue for at most the given time, close the connections, log the
 * summary.
 *
 * @module
 */
import { BACKOFF } from "../shared/backoff.ts";
import type { CollectorSettings } from "./config/mod.ts";
import { log } from "../shared/log.ts";
import { pollEvery, type PollTime } from "./loop.ts";
import { RepeatedErrors } from "./repeated_errors.ts";
import { Publisher } from "./publisher.ts";
import { PointQueue, type TaggedPoint } from "./queue.ts";
import type { PointSource, SourceList } from "./source.ts";
import { Failover } from "./failover.ts";
import { connectAggregator } from "./transport.ts";

/** What became of the points, once stopped. */
export interface CollectorSummary {
  delivered: number;
  /** Refused by the aggregator and dropped. */
  refused: number;
  /** Dropped because the queue was full. */
  dropped: number;
  /** Still queued when the flush time ran out, oldest first. */
  unsent: readonly TaggedPoint[];
}

const logger = log("collector");
/** A failure that recurs every poll is logged once, then once per period with a count. */
const ERROR_LOG_PERIOD_MS = 10 * 60_000;

export class Collector {
  #sources: SourceList;
  #pollIntervalMs: number;
  #aggregators: Failover;
  #queue: PointQueue;
  #publisher: Publisher;
  #polling = new AbortController();
  #loop: Promise<void> = Promise.resolve();
  #errors = new RepeatedErrors(logger, ERROR_LOG_PERIOD_MS);

  constructor(config: CollectorSettings, sources: SourceList) {
    this.#sources = sources;
    this.#pollIntervalMs = config.pollIntervalMs;
    this.#aggregators = new Failover(
      config.remoteAddresses.map((remoteAddress) =>
        connectAggregator({ ...config, remoteAddress })
      ),
    );
    this.#queue = new PointQueue(config.queueSize);
    this.#publisher = new Publisher(this.#aggregators, this.#queue, {
      callTimeoutMs: config.publishTimeoutMs,
      backoff: BACKOFF.publish,
    });
  }

  /** Where the points go now. */
  get aggregatorUrl(): string {
    return this.#aggregators.baseUrl;
  }

  /** Every aggregator the points may go to. */
  get aggregatorUrls(): string[] {
    return this.#aggregators.baseUrls;
  }

  /** Polls every interval from now until `stop`. */
  start(): void {
    this.#loop = pollEvery(this.#pollIntervalMs, (time) => this.#poll(time), this.#polling.signal);
  }

  /**
   * Stops polling (after the poll in progress), sends what is queued for at
   * most `flushMs`, closes the connections and logs what became of the points.
   */
  async stop(flushMs: number): Promise<CollectorSummary> {
    this.#polling.abort();
    await this.#loop;
    const unsent = await this.#publisher.drain(flushMs);
    this.#aggregators.close();
    const summary = {
      delivered: this.#publisher.delivered,
      refused: this.#publisher.refused,
      dropped: this.#queue.dropped,
      unsent,
    };
    logSummary(summary);
    return summary;
  }

  async #poll(time: PollTime): Promise<void> {
    const sources = await this.#pollSources(time);
    const samples = await Promise.allSettled(
      sources.map((source) => source.sampler.sample(time)),
    );
    const failures: string[] = [];
    samples.forEach((sample, index) => {
      if (sample.status === "fulfilled") {
        this.#queue.push({ tags: sources[index].tags, point: sample.value });
      } else {
        failures.push(`sampling failed, no point this time: ${String(sample.reason)}`);
      }
    });
    this.#errors.report(failures, time.monotonicMs);
  }

  async #pollSources(time: PollTime): Promise<readonly PointSource[]> {
    if (typeof this.#sources !== "function") return this.#sources;
    try {
      return await this.#sources();
    } catch (error) {
      this.#errors.report(
        [`listing the sources failed, no points this time: ${String(error)}`],
        time.monotonicMs,
      );
      return [];
    }
  }
}

function logSummary({ delivered, refused, dropped, unsent }: CollectorSummary): void {
  const times = unsent.map((entry) => Number(entry.point.unixTime));
  const properties = {
    delivered,
    refused,
    dropped,
    unsent: unsent.length,
    first: times.length ? Math.min(...times) : "-",
    last: times.length ? Math.max(...times) : "-",
  };
  if (unsent.length > 0) {
    logger.warn(
      "stopped with {unsent} points unsent (sampled {first}..{last}); " +
        "{delivered} delivered, {refused} refused, {dropped} dropped when the queue was full",
      properties,
    );
  } else {
    logger.info(
      "stopped: {delivered} delivered, {refused} refused, {dropped} dropped, nothing left unsent",
      properties,
    );
  }
}
