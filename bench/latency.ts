/**
 * Section 4: end-to-end latency. One collector (debug logs on) samples the
 * workload cgroup every second and publishes to a real aggregator that
 * delivers to a local VictoriaMetrics (Datadog v1 endpoint) with
 * AGGREGATOR_MINIMUM_PUBLISH_FREQUENCY=1s. The probe matches the points a collector reports as
 * published (its debug log line "published the point of <sample time>", whose
 * log timestamp is when the aggregator acknowledged the point, i.e. after it
 * was durably spooled) with the moment each point first appears in
 * VictoriaMetrics' export API, polled every POLL_MS after a forced flush.
 */
import { CollectorProcess } from "../tests/support/collector_process.ts";
import { receiversMissing, startVictoriaMetrics } from "../tests/support/receivers.ts";
import { delay } from "../shared/async/mod.ts";
import { collectorScene } from "./collector_scene.ts";
import { percentile, round } from "./stats.ts";

const POLL_MS = 100;
const SERVICE = "bench-latency";
const METRIC = "enclave.running";
/** LogTape's text line: `2026-11-25 12:34:56.789 +00:00 [DBG] …: published the point of 2026-11-25T12:34:56Z`. */
const PUBLISHED =
  /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3}) ([+-]\d\d:\d\d) \[DBG\].*published the point of (\S+Z)$/gm;

export interface LatencyResult {
  measured: string;
  points: number;
  medianMs: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
  /** Points acknowledged but not seen in VictoriaMetrics by the end. */
  missing: number;
}

export async function measureLatency(seconds: number): Promise<LatencyResult> {
  const missing = await receiversMissing();
  if (missing !== undefined) throw new Error(`VictoriaMetrics is needed: ${missing}`);
  const victoria = await startVictoriaMetrics();
  try {
    await using scene = await collectorScene({
      AGGREGATOR_MINIMUM_PUBLISH_FREQUENCY: "1s",
      AGGREGATOR_DATADOG_CONFIGURATION: JSON.stringify({
        api_key: "bench",
        series_url: new URL("/datadog/api/v1/series", victoria.url).href,
        timeout: "5s",
      }),
    });
    const probe = new LatencyProbe(victoria.url, METRIC, SERVICE);
    const collector = new CollectorProcess(scene.collectorEnv(SERVICE, true));
    try {
      await delay(seconds * 1000);
      await collector.stop("SIGTERM");
      // The last points reach VictoriaMetrics within a publish period or two.
      await delay(3000);
      return await probe.finish(collector.stderr);
    } finally {
      await probe.stop();
      await collector.stop("SIGKILL");
    }
  } finally {
    await victoria.stop();
  }
}

class LatencyProbe {
  #stored = new Map<number, number>();
  #stop = new AbortController();
  #polling: Promise<void>;

  /** Polls `victoria` for the series `metric{service=<service>}`. */
  constructor(readonly victoria: URL, readonly metric: string, readonly service: string) {
    this.#polling = this.#poll();
  }

  async #poll(): Promise<void> {
    const exported = new URL("/api/v1/export", this.victoria);
    exported.searchParams.set("match[]", `{__name__="${this.metric}",service="${this.service}"}`);
    const flush = new URL("/internal/force_flush", this.victoria);
    while (!this.#stop.signal.aborted) {
      const started = performance.now();
      await (await fetch(flush)).body?.cancel();
      const text = await (await fetch(exported)).text();
      const seenAt = Date.now();
      for (const line of text.split("\n").filter((line) => line !== "")) {
        for (const ms of JSON.parse(line).timestamps as number[]) {
          if (!this.#stored.has(ms / 1000)) this.#stored.set(ms / 1000, seenAt);
        }
      }
      const wait = POLL_MS - (performance.now() - started);
      if (wait > 0) await delay(wait);
    }
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#polling;
  }

  /** Stops polling; latencies of the points published in `collectorLog`. */
  async finish(collectorLog: string): Promise<LatencyResult> {
    await this.stop();
    const latencies: number[] = [];
    let missing = 0;
    for (const match of collectorLog.matchAll(PUBLISHED)) {
      const [, date, time, offset, sampled] = match;
      const published = Date.parse(`${date}T${time}${offset}`);
      const stored = this.#stored.get(Date.parse(sampled) / 1000);
      if (stored === undefined) missing++;
      else latencies.push(stored - published);
    }
    if (latencies.length === 0) {
      throw new Error(
        `no published point reached VictoriaMetrics: stored ${[...this.#stored.keys()]} log ${
          collectorLog.slice(0, 3000)
        }`,
      );
    }
    return {
      measured: "from the collector's acknowledgement of a point (its debug log timestamp: the " +
        "aggregator has durably spooled it) to the first export from VictoriaMetrics that holds " +
        `it, polled every ${POLL_MS} ms after /internal/force_flush; the sample itself was taken ` +
        "just before the publish call. Points carry whole-second unix_time, so points are " +
        "matched by second; the aggregator delivers to VictoriaMetrics' Datadog v1 endpoint with " +
        "AGGREGATOR_MINIMUM_PUBLISH_FREQUENCY=1s",
      points: latencies.length,
      medianMs: round(percentile(latencies, 50), 0),
      p99Ms: round(percentile(latencies, 99), 0),
      minMs: round(Math.min(...latencies), 0),
      maxMs: round(Math.max(...latencies), 0),
      missing,
    };
  }
}
