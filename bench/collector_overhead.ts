/**
 * Section 1: collector overhead. Several real collector processes (each
 * under exactly its declared flags, `programFlags("collector", env)`) sample
 * the same workload cgroup every second and publish to a real aggregator;
 * each collector is one run. After a warm-up: CPU per poll from
 * /proc/<pid>/stat (utime + stime over the window ÷ polls), steady RSS (median
 * of the samples taken every few seconds in the window's second half) and
 * peak RSS (VmHWM at the end, start-up included).
 */
import { CollectorProcess } from "../tests/support/collector_process.ts";
import { delay } from "../shared/async/mod.ts";
import { collectorScene } from "./collector_scene.ts";
import { processUsage } from "./proc.ts";
import { summarize, type Summary } from "./stats.ts";

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

export async function measureCollectors(options: CollectorOptions): Promise<CollectorResult> {
  await using scene = await collectorScene();
  const services = Array.from({ length: options.runs }, (_, index) => `bench-${index}`);
  const collectors = services.map((service) => new CollectorProcess(scene.collectorEnv(service)));
  try {
    await delay(WARMUP_S * 1000);
    const start = await Promise.all(collectors.map((c) => processUsage(c.pid)));
    const startedAt = performance.now();
    const elapsedMs = () => performance.now() - startedAt;
    const rss: number[][] = collectors.map(() => []);
    while (elapsedMs() < options.seconds * 1000) {
      await delay(Math.min(RSS_SAMPLE_MS, options.seconds * 1000 - elapsedMs()));
      const usage = await Promise.all(collectors.map((c) => processUsage(c.pid)));
      usage.forEach((u, index) => rss[index].push(u.rssMib));
    }
    const end = await Promise.all(collectors.map((c) => processUsage(c.pid)));
    const polls = elapsedMs() / 1000;
    await Promise.all(collectors.map((c) => c.stop("SIGTERM")));
    const delivered = services.map((service) =>
      scene.aggregator.points().filter((point) =>
        (point.tags as { service: string }).service === service
      ).length
    );
    return {
      cgroup: scene.cgroup.source,
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
    };
  } finally {
    await Promise.all(collectors.map((c) => c.stop("SIGKILL")));
  }
}
