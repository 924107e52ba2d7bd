/**
 * The aggregator's own health as Prometheus metrics (text exposition 0.0.4,
 * via prom-client): the counters of {@link Stats}, the spool's state, whether
 * it is serving, how long delivered points waited between their arrival in
 * the spool and their delivery, and the process's resident memory. Every
 * scrape reads one snapshot of the counters and the spool, so the values of
 * one scrape agree with each other.
 *
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { SpoolState } from "./spool/mod.ts";
import { REJECT_REASONS, type Stats, type StatsSnapshot } from "./stats.ts";

export const METRIC_PREFIX = "mini_collector_aggregator_";

/**
 * Upper bounds of the delivery latency buckets, in seconds: a point waits at
 * least until its batch closes (AGGREGATOR_MINIMUM_PUBLISH_FREQUENCY, 15 s by
 * default), and up to hours while a destination is down.
 */
export const LATENCY_BUCKETS = [
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  15,
  30,
  60,
  120,
  300,
  900,
  3600,
];

/**
 * What `sink_points_total` counts, by decision. A point a destination accepts
 * is counted twice: `sent` by the request that carried it, `delivered` when
 * its batch is done.
 */
export const SINK_DECISIONS = {
  delivered: "its batch is done and some or all of it reached the destination",
  dropped: "its batch is done and none of it reached the destination",
  deferred: "its batch stays spooled for a later round (counted at every round)",
  sent: "a request carrying it was accepted (2xx)",
  retried: "a request carrying it is sent again (counted at every retry)",
  split: "its batch was split in smaller requests",
  rejected: "the destination refused it for good (a 4xx not retried)",
  expired: "too old for Datadog (more than an hour), not sent there",
  spool_overflow: "the spool was full and it was the oldest point left for this sink",
};

export interface MetricSources {
  stats: Stats;
  spool: () => SpoolState;
  /** Whether the aggregator can take points right now (the listeners' health answer). */
  serving: () => boolean;
  /** The configured sinks, whose latency series exist from the start. */
  sinks: readonly string[];
}

export class AggregatorMetrics {
  readonly contentType: string;
  #sources: MetricSources;
  #registry = new Registry();
  #latency: Histogram<"sink">;
  /** The snapshot the scrape in progress reports. */
  #current?: StatsSnapshot;

  constructor(sources: MetricSources) {
    this.#sources = sources;
    this.contentType = this.#registry.contentType;
    const registers = [this.#registry];
    const snapshot = () => this.#current!;
    counter(registers, "calls_total", "Publish and PublishBatch calls answered, by method.", [
      "method",
    ], (set) => {
      for (const [method, calls] of Object.entries(snapshot().calls)) set({ method }, calls);
    });
    counter(registers, "points_accepted_total", "Points accepted and spooled.", [], (set) => {
      set({}, snapshot().accepted);
    });
    counter(registers, "points_rejected_total", "Points refused, by reason.", ["reason"], (set) => {
      // Every known reason from the start, at 0 until it happens, so a rate or an alert on it works.
      const rejected = {
        ...Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])),
        ...snapshot().rejected,
      };
      for (const [reason, points] of Object.entries(rejected)) set({ reason }, points);
    });
    counter(
      registers,
      "sink_points_total",
      `Points by sink and decision (${Object.keys(SINK_DECISIONS).join(", ")}).`,
      ["sink", "decision"],
      (set) => {
        for (const [sink, decisions] of Object.entries(snapshot().sinks)) {
          for (const [decision, points] of Object.entries(decisions)) {
            set({ sink, decision }, points);
          }
        }
      },
    );
    gauge(registers, "spool_points", "Points stored in the spool.", () => snapshot().spool.depth);
    gauge(
      registers,
      "spool_oldest_point_age_seconds",
      "Age of the oldest point in the spool, 0 when it is empty.",
      () => snapshot().spool.oldestAgeMs / 1000,
    );
    gauge(
      registers,
      "spool_bytes",
      "Size of the spooled points as counted against AGGREGATOR_SPOOL_MAX_BYTES.",
      () => snapshot().spool.bytes,
    );
    gauge(
      registers,
      "spool_writable",
      "1 when the last attempt to open or write the spool succeeded, else 0.",
      () => Number(snapshot().spool.writable),
    );
    gauge(
      registers,
      "serving",
      "1 while the aggregator accepts points (the /healthz answer), else 0.",
      () => Number(sources.serving()),
    );
    new Gauge({
      name: "process_resident_memory_bytes",
      help: "Resident memory size in bytes.",
      registers,
      collect() {
        this.set(Deno.memoryUsage().rss);
      },
    });
    this.#latency = new Histogram({
      name: `${METRIC_PREFIX}delivery_latency_seconds`,
      help: "Time from a point's arrival in the spool to its delivery, by sink.",
      labelNames: ["sink"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    for (const sink of sources.sinks) this.#latency.zero({ sink });
  }

  /** Records how long each point of a batch `sink` delivered waited in the spool. */
  observeDelivery(sink: string, waitedMs: readonly number[]): void {
    for (const ms of waitedMs) this.#latency.observe({ sink }, ms / 1000);
  }

  /** Every metric in the text exposition format. */
  async exposition(): Promise<string> {
    this.#current = this.#sources.stats.snapshot(this.#sources.spool());
    try {
      return await this.#registry.metrics();
    } finally {
      this.#current = undefined;
    }
  }
}

type Labels = Record<string, string>;

/** A counter whose values are copied from the counts at every scrape. */
function counter(
  registers: Registry[],
  name: string,
  help: string,
  labelNames: string[],
  read: (set: (labels: Labels, value: number) => void) => void,
): void {
  new Counter({
    name: `${METRIC_PREFIX}${name}`,
    help,
    labelNames,
    registers,
    collect() {
      this.reset();
      read((labels, value) => this.inc(labels, value));
    },
  });
}

/** A gauge without labels, read at every scrape. */
function gauge(registers: Registry[], name: string, help: string, read: () => number): void {
  new Gauge({
    name: `${METRIC_PREFIX}${name}`,
    help,
    registers,
    collect() {
      this.set(read());
    },
  });
}
