/**
 * Section `hostmode`: one collector in host mode sampling N containers
 * against N collectors in container mode (sidecars), side by side on the same
 * real containers (tests/support/live_cgroup.ts: most idle, three busy — a
 * spin under a quota, fsync writes, memory held), each container's labels in
 * a Docker root of `config.v2.json` files, all publishing every second to one
 * aggregator (stdout sink; host mode sends PublishBatch). After every
 * collector has delivered and a warm-up: CPU per container per poll
 * (utime + stime from /proc/<pid>/stat over the window ÷ polls ÷ N) and peak
 * RSS (VmHWM; the sidecars' summed) in all and per container. Sidecars run
 * only up to `sidecarsUpTo` containers: each is a whole Deno process.
 *
 * @module
 */
import { join } from "node:path";
import { delay } from "../../shared/delay.ts";
import { AggregatorProcess } from "../support/aggregator.ts";
import { CollectorProcess } from "../support/collector_process.ts";
import { type ContainerSpec, LiveCgroupHost, liveCgroupLayout } from "../support/live_cgroup.ts";
import { writeDockerConfig } from "../demo/docker_config.ts";
import { type ProcessUsage, processUsage } from "./proc.ts";
import { round } from "./stats.ts";

export interface HostModeOptions {
  /** Container counts, one run each. */
  counts: number[];
  /** The largest count that also runs one sidecar per container. */
  sidecarsUpTo: number;
  /** Measurement window after the warm-up, seconds. */
  seconds: number;
}

/** The targets per container count: CPU ms per container per poll, peak RSS MiB in all. */
const TARGETS: Record<number, { cpuMsPerContainerPerPoll: number; peakRssMib: number }> = {
  50: { cpuMsPerContainerPerPoll: 0.25, peakRssMib: 60 },
  200: { cpuMsPerContainerPerPoll: 0.2, peakRssMib: 80 },
};

export interface ModeFigures {
  processes: number;
  cpuMsPerContainerPerPoll: number;
  cpuMsPerPoll: number;
  peakRssMib: number;
  peakRssMibPerContainer: number;
  /** RSS at the end of the window, MiB, in all. */
  endRssMib: number;
  pointsInWindow: number;
}

export interface HostModeRun {
  containers: number;
  busyContainers: number;
  windowSeconds: number;
  warmupSeconds: number;
  hostMode: ModeFigures & { target?: typeof TARGETS[number]; meetsTarget?: boolean };
  sidecars: ModeFigures | { skipped: string };
}

export type HostModeResult = { cgroup: string; pollInterval: "1s"; runs: HostModeRun[] } | {
  skipped: string;
};

const WARMUP_S = 5;
const READY_TIMEOUT_MS = 180_000;
const HOST_ENVIRONMENT = "host-mode";
const SIDECAR_ENVIRONMENT = "sidecar";

/** The three busy containers, then idle ones. */
const BUSY: ContainerSpec["workload"][] = [
  { spin: true },
  { fsyncKib: 64, pauseS: 1 },
  { ballastMb: 16 },
];

export async function measureHostMode(options: HostModeOptions): Promise<HostModeResult> {
  const layout = await liveCgroupLayout();
  if (typeof layout !== "string") return { skipped: layout.reason };
  const runs: HostModeRun[] = [];
  for (const count of options.counts) {
    console.error(`bench: hostmode: ${count} containers`);
    runs.push(await measureCount(count, options));
  }
  const kernel = new TextDecoder().decode(
    (await new Deno.Command("sh", { args: ["-c", "uname -r"], stdout: "piped" }).output()).stdout,
  ).trim();
  return {
    cgroup: `live cgroups docker/<id> (${layout}, Linux ${kernel}) through a read-only bind mount`,
    pollInterval: "1s",
    runs,
  };
}

async function measureCount(count: number, options: HostModeOptions): Promise<HostModeRun> {
  const scratch = await Deno.makeTempDir({ prefix: "mini-collector-bench-hostmode-" });
  const dockerRoot = join(scratch, "docker");
  const host = await LiveCgroupHost.create(scratch);
  const collectors: CollectorProcess[] = [];
  let aggregator: AggregatorProcess | undefined;
  try {
    const ids: string[] = [];
    for (let index = 0; index < count; index++) {
      const container = await host.addContainer({
        memoryLimitMb: 128,
        pidsMax: 32,
        cpuLimitMilli: index === 0 ? 100 : undefined,
        workload: BUSY[index] ?? {},
      });
      ids.push(container.containerId);
      await writeDockerConfig(dockerRoot, {
        id: container.containerId,
        name: `bench-${index}`,
        labels: {
          "mini-collector.environment": HOST_ENVIRONMENT,
          "mini-collector.service": `service-${index}`,
        },
      });
    }
    aggregator = await AggregatorProcess.start();
    const remote = `127.0.0.1:${aggregator.port}`;
    const hostCollector = new CollectorProcess({
      MINI_COLLECTOR_MODE: "host",
      MINI_COLLECTOR_REMOTE_ADDRESS: remote,
      MINI_COLLECTOR_CGROUP_PATH: host.exposed,
      MINI_COLLECTOR_DOCKER_ROOT: dockerRoot,
      MINI_COLLECTOR_POLL_INTERVAL: "1s",
    });
    collectors.push(hostCollector);
    const withSidecars = count <= options.sidecarsUpTo;
    const sidecars = withSidecars
      ? ids.map((containerId, index) =>
        new CollectorProcess({
          MINI_COLLECTOR_REMOTE_ADDRESS: remote,
          MINI_COLLECTOR_CONTAINER_ID: containerId,
          MINI_COLLECTOR_ENVIRONMENT_NAME: SIDECAR_ENVIRONMENT,
          MINI_COLLECTOR_SERVICE_NAME: `service-${index}`,
          MINI_COLLECTOR_CGROUP_PATH: host.exposed,
          MINI_COLLECTOR_MOUNT_PATH: scratch,
          MINI_COLLECTOR_POLL_INTERVAL: "1s",
        })
      )
      : [];
    collectors.push(...sidecars);

    const points = new PointCounter(aggregator);
    await points.waitForAll(count, withSidecars);
    await delay(WARMUP_S * 1000);
    const before = points.snapshot();
    const start = await usages(collectors);
    const startedAt = performance.now();
    await delay(options.seconds * 1000);
    const end = await usages(collectors);
    const polls = (performance.now() - startedAt) / 1000;
    const after = points.snapshot();

    const figures = (index: number[], environment: string): ModeFigures => {
      const cpuMs = index.reduce((sum, i) => sum + end[i].cpuMs - start[i].cpuMs, 0);
      const peak = index.reduce((sum, i) => sum + end[i].peakRssMib, 0);
      return {
        processes: index.length,
        cpuMsPerContainerPerPoll: round(cpuMs / polls / count, 3),
        cpuMsPerPoll: round(cpuMs / polls, 2),
        peakRssMib: round(peak, 1),
        peakRssMibPerContainer: round(peak / count, 2),
        endRssMib: round(index.reduce((sum, i) => sum + end[i].rssMib, 0), 1),
        pointsInWindow: (after.get(environment) ?? 0) - (before.get(environment) ?? 0),
      };
    };
    const hostMode = figures([0], HOST_ENVIRONMENT);
    const target = TARGETS[count];
    return {
      containers: count,
      busyContainers: Math.min(count, BUSY.length),
      windowSeconds: options.seconds,
      warmupSeconds: WARMUP_S,
      hostMode: {
        ...hostMode,
        ...(target && {
          target,
          meetsTarget: hostMode.cpuMsPerContainerPerPoll <= target.cpuMsPerContainerPerPoll &&
            hostMode.peakRssMib <= target.peakRssMib,
        }),
      },
      sidecars: withSidecars
        ? figures(sidecars.map((_, index) => index + 1), SIDECAR_ENVIRONMENT)
        : {
          skipped: `more than ${options.sidecarsUpTo} containers: one Deno process each ` +
            `would not fit this machine's memory and 2 cores`,
        },
    };
  } finally {
    await Promise.all(collectors.map((collector) => collector.stop("SIGTERM").catch(() => {})));
    await aggregator?.close();
    await host.remove();
    await Deno.remove(scratch, { recursive: true });
  }
}

function usages(collectors: CollectorProcess[]): Promise<ProcessUsage[]> {
  return Promise.all(collectors.map((collector) => processUsage(collector.pid)));
}

/** Counts the aggregator's stdout points per environment tag and container, reading each line once. */
class PointCounter {
  readonly #perEnvironment = new Map<string, number>();
  readonly #containers = new Map<string, Set<string>>();
  #read = 0;

  constructor(private readonly aggregator: AggregatorProcess) {}

  #catchUp(): void {
    const lines = this.aggregator.lines;
    for (; this.#read < lines.length; this.#read++) {
      const { tags } = JSON.parse(lines[this.#read]) as { tags: Record<string, string> };
      const environment = tags.environment;
      this.#perEnvironment.set(environment, (this.#perEnvironment.get(environment) ?? 0) + 1);
      const seen = this.#containers.get(environment) ?? new Set<string>();
      seen.add(tags.container);
      this.#containers.set(environment, seen);
    }
  }

  snapshot(): Map<string, number> {
    this.#catchUp();
    return new Map(this.#perEnvironment);
  }

  /** Waits until every container has a point from host mode (and from its sidecar). */
  async waitForAll(count: number, withSidecars: boolean): Promise<void> {
    const environments = [HOST_ENVIRONMENT, ...(withSidecars ? [SIDECAR_ENVIRONMENT] : [])];
    await this.aggregator.waitFor(
      () => {
        this.#catchUp();
        return environments.every((name) => (this.#containers.get(name)?.size ?? 0) >= count);
      },
      READY_TIMEOUT_MS,
      `a point of each of ${count} containers from ${environments.join(" and ")}`,
    );
  }
}
