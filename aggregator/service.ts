/**
 * The running aggregator: spool, sinks and their delivery loops, listeners,
 * the optional metrics listener and the periodic stats line, started together
 * and stopped in order — stop accepting, let calls in progress finish, deliver
 * what is spooled, cancel deliveries still running at the deadline (their
 * points stay spooled), close the metrics listener, log the final stats with
 * what each sink leaves spooled, close the database. A spool locked by
 * another aggregator stops the start (one writer per spool); any other
 * failure to open it leaves the aggregator answering `unavailable` until it
 * opens.
 *
 * @module
 */
import { BACKOFF } from "../shared/backoff.ts";
import type { AggregatorConfig } from "./config/mod.ts";
import { literal, log } from "../shared/log.ts";
import { DeliveryLoop } from "./delivery/mod.ts";
import { AggregatorMetrics } from "./metrics.ts";
import {
  type Listener,
  listenFetch,
  listenH2c,
  listenMetrics,
  listenTls,
  publishRoutes,
  TagSetLimit,
} from "./server/mod.ts";
import { createSinks } from "./sinks/mod.ts";
import { Spool, SpoolLocked, SpoolUnavailable } from "./spool/mod.ts";
import { formatStats, Stats } from "./stats.ts";
import { configSecrets, StatusPage } from "./status/mod.ts";
import { untilAborted } from "../shared/async/mod.ts";

const logger = log("aggregator");

export class AggregatorService {
  #config: AggregatorConfig;
  #stats = new Stats();
  #spool: Spool;
  #loops: DeliveryLoop[];
  #closeSinks: () => Promise<void>;
  #listeners: Listener[] = [];
  /** Present when AGGREGATOR_METRICS_LISTEN_ADDRESS is set. */
  #metrics?: AggregatorMetrics;
  /** The status page, on the metrics listener. */
  #status?: StatusPage;
  #metricsListener?: Listener;
  #accepting = false;
  #statsTimer?: ReturnType<typeof setInterval>;

  constructor(config: AggregatorConfig) {
    this.#config = config;
    const { sinks, close } = createSinks(config.sinks, this.#stats, config.notify);
    this.#closeSinks = close;
    this.#spool = new Spool({
      directory: config.spoolPath,
      maxBytes: config.spoolMaxBytes,
      sinks: sinks.map((sink) => sink.name),
      counters: this.#stats,
    });
    if (config.metricsListenAddress) {
      this.#metrics = new AggregatorMetrics({
        stats: this.#stats,
        spool: () => this.#spool.state(),
        serving: () => this.serving(),
        sinks: sinks.map((sink) => sink.name),
      });
      this.#status = new StatusPage({
        sinks: sinks.map((sink) => sink.name),
        stats: () => this.#stats.snapshot(this.#spool.state()),
        backlog: (sink) => this.#backlog(sink),
        problem: (sink) => this.#stats.lastProblem(sink),
        serving: () => this.serving(),
        refreshMs: config.minimumPublishFrequencyMs,
        secrets: configSecrets(config),
      });
    }
    const metrics = this.#metrics;
    this.#loops = sinks.map((sink) =>
      new DeliveryLoop(sink, this.#spool, this.#stats, {
        batchSize: config.batchSize,
        concurrency: config.deliveryConcurrency,
        maxWaitMs: config.minimumPublishFrequencyMs,
        backoff: BACKOFF.deliveryRound,
        onDelivered: metrics && ((sink, waitedMs) => metrics.observeDelivery(sink, waitedMs)),
      })
    );
  }

  /** Whether the aggregator can take points: accepting and the spool writable. */
  serving(): boolean {
    return this.#accepting && this.#spool.writable;
  }

  async start(): Promise<void> {
    try {
      this.#spool.open();
      const migrated = this.#spool.migratedPoints;
      if (migrated !== undefined) {
        logger.info("spool migrated from format 1 to 2: {points} points kept", {
          points: migrated,
        });
      }
    } catch (error) {
      if (!(error instanceof SpoolUnavailable) || error instanceof SpoolLocked) throw error;
      logger.error("spool not writable, answering unavailable until it is: {failure}", {
        failure: error.message,
      });
    }
    for (const loop of this.#loops) loop.start();
    this.#accepting = true;
    const config = this.#config;
    const common = {
      routes: publishRoutes({
        spool: this.#spool,
        stats: this.#stats,
        tagSets: new TagSetLimit(config.maxTagSets),
        accepting: () => this.#accepting,
        observe: this.#status && ((points) => this.#status!.observe(points)),
      }),
      readMaxBytes: config.maxRequestBytes,
      limits: config.limits,
      serving: () => this.serving(),
    };
    this.#listeners.push(
      config.tls
        ? await listenTls({ ...common, address: config.listenAddress, tls: config.tls })
        : await listenH2c({ ...common, address: config.listenAddress }),
    );
    if (config.connectListenAddress) {
      this.#listeners.push(await listenFetch({ ...common, address: config.connectListenAddress }));
    }
    if (this.#metrics && config.metricsListenAddress) {
      this.#metricsListener = await listenMetrics({
        address: config.metricsListenAddress,
        metrics: this.#metrics,
        serving: common.serving,
        pages: this.#status,
      });
    }
    this.#statsTimer = setInterval(() => this.#logStats(), config.statsIntervalMs);
    logger.info("listening on {listeners}", {
      listeners: [...this.#listeners, this.#metricsListener]
        .filter((listener) => listener !== undefined)
        .map((listener) => listener.description).join(", "),
    });
  }

  async stop(): Promise<void> {
    const deadline = AbortSignal.timeout(this.#config.shutdownTimeoutMs);
    this.#accepting = false;
    clearInterval(this.#statsTimer);
    await Promise.all(this.#listeners.map((listener) => listener.close(deadline)));
    const drained = Promise.all(this.#loops.map((loop) => loop.drain()));
    const late = untilAborted(deadline).then(() => "late" as const);
    if (await Promise.race([drained, late]) === "late") {
      logger.warn("shutdown deadline reached: deliveries in flight stay in the spool");
    }
    await Promise.all(this.#loops.map((loop) => loop.abort()));
    await this.#metricsListener?.close(deadline);
    await this.#closeSinks();
    this.#logFinalStats();
    await this.#spool.close();
  }

  /** A sink's points not yet delivered: how many, and how long the oldest has waited. */
  #backlog(sink: string): { depth: number; oldestAgeMs: number } {
    const oldest = this.#spool.oldestPendingMs(sink);
    return {
      depth: this.#spool.pending(sink),
      oldestAgeMs: oldest === undefined ? 0 : Math.max(0, Date.now() - oldest),
    };
  }

  #logStats(): void {
    logger.info("stats {line}", { line: formatStats(this.#stats.snapshot(this.#spool.state())) });
  }

  /** The last stats line, read before the spool closes, with what each sink leaves spooled. */
  #logFinalStats(): void {
    const backlog = Object.entries(this.#spool.backlog());
    const left = backlog.some(([, points]) => points > 0)
      ? backlog.map(([sink, points]) => `${sink} ${points}`).join(", ")
      : "none";
    const line = formatStats(this.#stats.snapshot(this.#spool.state()));
    logger.info(literal(`final stats ${line}; points left spooled for the next start: ${left}`));
  }
}
