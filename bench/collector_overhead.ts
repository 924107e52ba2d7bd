/**
 * Section 1: collector overhead. Several real collector processes (each
 * under exactly its declared flags, `programFlags("collector", env)`) sample
 * the same workload cgroup every second and publish to a real aggregator.
 * With a baseline (another checkout of the repository, e.g. main before a
 * change) as many of its collectors run side by side with them, on the same
 * cgroup and aggregator at the same time, so a change is measured against
 * its base under the same load.
 *
 * After a warm-up, `windows` consecutive windows: in each, CPU per poll of
 * every collector (its threads' CPU time from /proc/<pid>/task/*\/schedstat,
 * to the nanosecond, ÷ polls; utime + stime in clock ticks when its threads
 * changed during the window) and their median, with the load average at the
 * window's start and end. Figures: the median of the windows' medians with
 * min–max; peak RSS (VmHWM at the end, start-up included) and the points each
 * collector delivered.
 */
import { COLLECTOR_ENTRY, CollectorProcess } from "../tests/support/collector_process.ts";
import { delay } from "../shared/async/mod.ts";
import { collectorScene } from "./collector_scene.ts";
import { loadAverage, processUsage } from "./proc.ts";
import { round, summarize, type Summary } from "./stats.ts";

export interface CollectorOptions {
  /** One measurement window after the warm-up, seconds. */
  seconds: number;
  /** Consecutive windows: the runs of each figure. */
  windows: number;
  /** Collectors of each checkout side by side. */
  collectors: number;
  /** A checkout of the repository whose collectors run side by side as the baseline. */
  baseline?: string;
}

/** The figures of one checkout's collectors. */
export interface CollectorFigures {
  /** The median of the windows' medians (min–max over the windows). */
  cpuMsPerPoll: Summary;
  /** Each window's median over the collectors. */
  cpuMsPerPollByWindow: number[];
  peakRssMib: Summary;
  pointsDelivered: number[];
}

export interface CollectorResult {
  cgroup: string;
  pollInterval: "1s";
  windowSeconds: number;
  warmupSeconds: number;
  collectors: number;
  /** Load average (1, 5, 15 min) at the start and end of each window. */
  loadAverage: { start: string; end: string }[];
  /** This checkout's collectors. */
  current: CollectorFigures;
  /** The baseline's, when one was given: `path` names it. */
  baseline?: CollectorFigures & { path: string };
}

/** Past Deno's start-up threads, which end after 10 s idle. */
const WARMUP_S = 15;

interface Group {
  name: string;
  processes: CollectorProcess[];
  byWindow: number[];
}

export async function measureCollectors(options: CollectorOptions): Promise<CollectorResult> {
  await using scene = await collectorScene();
  const entries = [{ name: "bench", entry: COLLECTOR_ENTRY }];
  if (options.baseline) {
    const root = new URL(`${options.baseline}/`, `file://${Deno.cwd()}/`);
    entries.push({ name: "baseline", entry: new URL("collector/main.ts", root).pathname });
  }
  const started: Group[] = entries.map(({ name, entry }) => ({
    name,
    byWindow: [],
    processes: Array.from({ length: options.collectors }, (_, index) => {
      const env = scene.collectorEnv(`${name}-${index}`);
      return new CollectorProcess(env, undefined, entry);
    }),
  }));
  const loads: CollectorResult["loadAverage"] = [];
  try {
    await delay(WARMUP_S * 1000);
    for (let window = 0; window < options.windows; window++) {
      const load = await loadAverage();
      const before = await usages(started);
      const startedAt = performance.now();
      await delay(options.seconds * 1000);
      const after = await usages(started);
      const polls = (performance.now() - startedAt) / 1000;
      loads.push({ start: load, end: await loadAverage() });
      started.forEach((group, index) => {
        const perPoll = after[index].map((usage, collector) => {
          const start = before[index][collector];
          // A thread that ended took its schedstat with it: then the clock ticks of the whole process.
          return (usage.threadIds === start.threadIds
            ? usage.threadsCpuMs - start.threadsCpuMs
            : usage.cpuMs - start.cpuMs) / polls;
        });
        group.byWindow.push(summarize(perPoll, 3).median);
      });
    }
    const peaks = await usages(started);
    for (const group of started) await Promise.all(group.processes.map((c) => c.stop("SIGTERM")));
    const figures = started.map((group, index): CollectorFigures => ({
      cpuMsPerPoll: summarize(group.byWindow, 3),
      cpuMsPerPollByWindow: group.byWindow.map((value) => round(value, 3)),
      peakRssMib: summarize(peaks[index].map((usage) => usage.peakRssMib), 1),
      pointsDelivered: group.processes.map((_, collector) =>
        scene.aggregator.points().filter((point) =>
          (point.tags as { service: string }).service === `${group.name}-${collector}`
        ).length
      ),
    }));
    return {
      cgroup: scene.cgroup.source,
      pollInterval: "1s",
      windowSeconds: options.seconds,
      warmupSeconds: WARMUP_S,
      collectors: options.collectors,
      loadAverage: loads,
      current: figures[0],
      ...(options.baseline ? { baseline: { path: options.baseline, ...figures[1] } } : {}),
    };
  } finally {
    for (const group of started) await Promise.all(group.processes.map((c) => c.stop("SIGKILL")));
  }
}

function usages(groups: Group[]) {
  return Promise.all(
    groups.map((group) => Promise.all(group.processes.map((c) => processUsage(c.pid)))),
  );
}
