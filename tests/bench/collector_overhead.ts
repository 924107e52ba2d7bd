/**
 * Sections 1 and 4 of the benchmark, sharing one run: several real collector
 * processes (each under exactly its declared flags) sample the same
 * workload cgroup every second for the measurement window and publish to a
 * real aggregator, which delivers every second to a local VictoriaMetrics
 * through its Datadog v1 endpoint. Each collector is one run of the overhead
 * figures (CPU per poll after a warm-up, steady and peak RSS); one more
 * collector, with debug logs on so it reports each acknowledged point, feeds
 * the end-to-end latency probe and is not part of the overhead figures.
 */
import { AggregatorProcess } from "../support/aggregator.ts";
import { CollectorProcess } from "../support/collector_process.ts";
import { receiversMissing, startVictoriaMetrics } from "../support/receivers.ts";
import { LatencyProbe, type LatencyResult } from "./latency.ts";
import { processUsage } from "./proc.ts";
import { summarize, type Summary } from "./stats.ts";
import { workloadCgroup } from "./workload_cgroup.ts";

export interface CollectorOptions {
  /** Measurement window after the warm-up, seconds. */
  seconds: number;
  /** Collectors measured side by side: the runs of each figure. */
  runs: number;
}

export interface CollectorResult {
  cgroup: string;
  pollInterval: "1s";
  windowSeconds: number;
  warmupSeconds: number;
  cpuMsPerPoll: Summary;
  steadyRssMib: Summary;
  peakRssMib: Summary;
  pointsDelivered: Summary;
}

const WARMUP_S = 5;
const RSS_SAMPLE_MS = 5_000;
const LATENCY_SERVICE = "bench-latency";

export async function measureCollectors(
  options: CollectorOptions,
): Promise<{ collector: CollectorResult; latency: LatencyResult }> {
  const missing = await receiversMissing();
  if (missing !== undefined) throw new Error(`VictoriaMetrics is needed: ${missing}`);
  await using cgroup = await workloadCgroup();
  const victoria = await startVictoriaMetrics();
  try {
    await using aggregator = await AggregatorProcess.start({
      env: {
        AGGREGATOR_MINIMUM_PUBLISH_FREQUENCY: "1s",
        AGGREGATOR_DATADOG_CONFIGURATION: JSON.stringify({
          api_key: "bench",
          series_url: new URL("/datadog/api/v1/series", victoria.url).href,
          timeout: "5s",
        }),
      },
    });
    const env = (service: string, debug: boolean) => ({
      MINI_COLLECTOR_REMOTE_ADDRESS: `127.0.0.1:${aggregator.port}`,
      MINI_COLLECTOR_CONTAINER_ID: cgroup.containerId,
      MINI_COLLECTOR_ENVIRONMENT_NAME: "bench",
      MINI_COLLECTOR_SERVICE_NAME: service,
      MINI_COLLECTOR_CGROUP_PATH: cgroup.root,
      MINI_COLLECTOR_MOUNT_PATH: cgroup.volume,
      MINI_COLLECTOR_POLL_INTERVAL: "1s",
      ...(debug ? { MINI_COLLECTOR_DEBUG: "" } : {}),
    });
    const services = Array.from({ length: options.runs }, (_, index) => `bench-${index}`);
    const collectors = services.map((service) => new CollectorProcess(env(service, false)));
    const probe = new LatencyProbe(victoria.url, "enclave.running", LATENCY_SERVICE);
    const traced = new CollectorProcess(env(LATENCY_SERVICE, true));
    try {
      await sleep(WARMUP_S * 1000);
      const start = await Promise.all(collectors.map((c) => processUsage(c.pid)));
      const startedAt = performance.now();
      const rss: number[][] = collectors.map(() => []);
      while (performance.now() - startedAt < options.seconds * 1000) {
        await sleep(
          Math.min(RSS_SAMPLE_MS, options.seconds * 1000 - (performance.now() - startedAt)),
        );
        const usage = await Promise.all(collectors.map((c) => processUsage(c.pid)));
        usage.forEach((u, index) => rss[index].push(u.rssMib));
      }
      const end = await Promise.all(collectors.map((c) => processUsage(c.pid)));
      const polls = (performance.now() - startedAt) / 1000;
      await Promise.all([...collectors, traced].map((c) => c.stop("SIGTERM")));
      const delivered = services.map((service) =>
        aggregator.points().filter((point) =>
          (point.tags as { service: string }).service === service
        )
          .length
      );
      return {
        collector: {
          cgroup: cgroup.source,
          pollInterval: "1s",
          windowSeconds: options.seconds,
          warmupSeconds: WARMUP_S,
          cpuMsPerPoll: summarize(
            end.map((usage, index) => (usage.cpuMs - start[index].cpuMs) / polls),
          ),
          steadyRssMib: summarize(
            rss.map((samples) => summarize(samples.slice(samples.length >> 1)).median),
          ),
          peakRssMib: summarize(end.map((usage) => usage.peakRssMib)),
          pointsDelivered: summarize(delivered, 0),
        },
        latency: await probe.finish(traced.stderr),
      };
    } finally {
      await probe.stop();
      await Promise.all([...collectors, traced].map((c) => c.stop("SIGKILL")));
    }
  } finally {
    await victoria.stop();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
