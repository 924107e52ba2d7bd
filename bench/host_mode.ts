/**
 * Section `hostmode`: one collector in host mode sampling N containers side
 * by side with netdata's cgroups collector (./netdata.ts), the cost peer, on
 * the same real containers at the same time (tests/support/live_cgroup.ts:
 * most idle, three busy — a spin under a quota, fsync writes, memory held),
 * and up to `sidecarsUpTo` containers also one collector in container mode
 * (sidecar) per container. Each container's labels are in a Docker root of
 * `config.v2.json` files; every collector publishes every second to one
 * aggregator (stdout sink; host mode sends PublishBatch). The containers' ids
 * share a random prefix, so netdata charts only them on a shared machine.
 *
 * After every collector has delivered, netdata reads every container and a
 * warm-up: `windows` consecutive windows, each with the load average at its
 * start and end, CPU per container per poll (utime + stime from
 * /proc/<pid>/stat over the window ÷ polls ÷ N; netdata's per second, and its
 * PLUGIN[cgroups] threads' alone), and at the end peak RSS (VmHWM; the
 * sidecars' summed). Figures are the windows' median with min–max.
 *
 * @module
 */
import { join } from "node:path";
import { delay } from "../shared/async/mod.ts";
import { AggregatorProcess } from "../tests/support/aggregator.ts";
import { CollectorProcess } from "../tests/support/collector_process.ts";
import {
  type ContainerSpec,
  LiveCgroupHost,
  liveCgroupLayout,
} from "../tests/support/live_cgroup.ts";
import { waitUntil } from "../tests/support/until.ts";
import { writeDockerConfig } from "../demo/docker_config.ts";
import { netdataMissing, NetdataPeer, type NetdataUsage } from "./netdata.ts";
import { loadAverage, type ProcessUsage, processUsage } from "./proc.ts";
import { round, summarize, type Summary } from "./stats.ts";

export interface HostModeOptions {
  /** Container counts, one setup each. */
  counts: number[];
  /** The largest count that also runs one sidecar per container. */
  sidecarsUpTo: number;
  /** Length of one measurement window, seconds. */
  seconds: number;
  /** Consecutive windows per count: the runs of each figure. */
  windows: number;
}

/** Peak RSS target of host mode: a floor plus a share per container, MiB. */
const RSS_TARGET = { baseMib: 50, perContainerMib: 0.1 };

export interface HostModeRun {
  containers: number;
  busyContainers: number;
  /** Other `docker/<id>` cgroups on the machine when the windows started (host mode lists and skips them). */
  foreignContainers: number;
  windowSeconds: number;
  warmupSeconds: number;
  /** Load average (1, 5, 15 min) at the start and end of each window. */
  loadAverage: { start: string; end: string }[];
  hostMode: {
    cpuMsPerContainerPerPoll: Summary;
    cpuMsPerPoll: Summary;
    peakRssMib: number;
    peakRssMibPerContainer: number;
    pointsPerWindow: Summary;
  };
  netdata: {
    cpuMsPerContainerPerSecond: Summary;
    cgroupsThreadsCpuMsPerContainerPerSecond: Summary;
    peakRssMib: number;
  } | { skipped: string };
  sidecars: {
    processes: number;
    cpuMsPerPoll: Summary;
    peakRssMibInAll: number;
  } | { skipped: string };
  targets: {
    cpuMsPerContainerPerPoll: string;
    peakRssMib: number;
    cpuMet?: boolean;
    rssMet: boolean;
  };
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
  const kernel = (await sh("uname -r")).trim();
  return {
    cgroup: `live cgroups docker/<id> (${layout}, Linux ${kernel}) through a read-only bind mount`,
    pollInterval: "1s",
    runs,
  };
}

function randomHex(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (byte) => byte.toString(16).padStart(2, "0"),
  ).join("");
}

async function measureCount(count: number, options: HostModeOptions): Promise<HostModeRun> {
  const scratch = await Deno.makeTempDir({ prefix: "mini-collector-bench-hostmode-" });
  const dockerRoot = join(scratch, "docker");
  const idPrefix = randomHex(4);
  const host = await LiveCgroupHost.create(scratch);
  const collectors: CollectorProcess[] = [];
  let aggregator: AggregatorProcess | undefined;
  let netdata: NetdataPeer | undefined;
  const noNetdata = await netdataMissing();
  try {
    const ids: string[] = [];
    for (let index = 0; index < count; index++) {
      const container = await host.addContainer({
        memoryLimitMb: 128,
        pidsMax: 32,
        cpuLimitMilli: index === 0 ? 100 : undefined,
        workload: BUSY[index] ?? {},
      }, idPrefix + randomHex(28));
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
    collectors.push(
      new CollectorProcess({
        MINI_COLLECTOR_MODE: "host",
        MINI_COLLECTOR_REMOTE_ADDRESS: remote,
        MINI_COLLECTOR_CGROUP_PATH: host.exposed,
        MINI_COLLECTOR_DOCKER_ROOT: dockerRoot,
        MINI_COLLECTOR_POLL_INTERVAL: "1s",
      }),
    );
    const withSidecars = count <= options.sidecarsUpTo;
    if (withSidecars) {
      collectors.push(...ids.map((containerId, index) =>
        new CollectorProcess({
          MINI_COLLECTOR_REMOTE_ADDRESS: remote,
          MINI_COLLECTOR_CONTAINER_ID: containerId,
          MINI_COLLECTOR_ENVIRONMENT_NAME: SIDECAR_ENVIRONMENT,
          MINI_COLLECTOR_SERVICE_NAME: `service-${index}`,
          MINI_COLLECTOR_CGROUP_PATH: host.exposed,
          MINI_COLLECTOR_MOUNT_PATH: scratch,
          MINI_COLLECTOR_POLL_INTERVAL: "1s",
        })
      ));
    }
    if (noNetdata === undefined) {
      netdata = await NetdataPeer.start(join(scratch, "netdata"), idPrefix);
    }

    const points = new PointCounter(aggregator);
    await points.waitForAll(count, withSidecars);
    if (netdata) {
      const peer = netdata;
      await waitUntil(
        async () => await peer.chartedContainers() >= count,
        READY_TIMEOUT_MS,
        `netdata reading all ${count} containers`,
      );
    }
    await delay(WARMUP_S * 1000);
    const foreign = (await sh(
      `ls /sys/fs/cgroup/memory/docker 2>/dev/null | grep -Ec '^[0-9a-f]{64}$' || true`,
    )).trim();

    const windows: Window[] = [];
    for (let index = 0; index < options.windows; index++) {
      windows.push(await measureWindow(collectors, netdata, points, options.seconds));
    }

    const last = windows[windows.length - 1];
    const hostPeak = last.end[0].peakRssMib;
    const rssTarget = round(RSS_TARGET.baseMib + RSS_TARGET.perContainerMib * count, 1);
    const ours = summarize(windows.map((w) => w.cpuMs(0) / w.polls / count), 3);
    const peer = netdata &&
      summarize(windows.map((w) => w.netdataCpuMs() / w.polls / count), 3);
    return {
      containers: count,
      busyContainers: Math.min(count, BUSY.length),
      foreignContainers: Number(foreign) - count,
      windowSeconds: options.seconds,
      warmupSeconds: WARMUP_S,
      loadAverage: windows.map(({ load }) => load),
      hostMode: {
        cpuMsPerContainerPerPoll: ours,
        cpuMsPerPoll: summarize(windows.map((w) => w.cpuMs(0) / w.polls), 2),
        peakRssMib: round(hostPeak, 1),
        peakRssMibPerContainer: round(hostPeak / count, 2),
        pointsPerWindow: summarize(windows.map((w) => w.points.get(HOST_ENVIRONMENT) ?? 0), 0),
      },
      netdata: netdata && peer && last.netdataEnd
        ? {
          cpuMsPerContainerPerSecond: peer,
          cgroupsThreadsCpuMsPerContainerPerSecond: summarize(
            windows.map((w) => w.netdataThreadsCpuMs() / w.polls / count),
            3,
          ),
          peakRssMib: round(last.netdataEnd.peakRssMib, 1),
        }
        : { skipped: noNetdata ?? "netdata did not start" },
      sidecars: withSidecars
        ? {
          processes: count,
          cpuMsPerPoll: summarize(
            windows.map((w) =>
              ids.reduce((sum, _, index) => sum + w.cpuMs(index + 1), 0) / w.polls / count
            ),
            3,
          ),
          peakRssMibInAll: round(
            ids.reduce((sum, _, index) => sum + last.end[index + 1].peakRssMib, 0),
            1,
          ),
        }
        : {
          skipped: `more than ${options.sidecarsUpTo} containers: one Deno process each ` +
            `would not fit this shared machine's 2 cores`,
        },
      targets: {
        cpuMsPerContainerPerPoll: "≤ netdata's CPU per container per second, same window",
        peakRssMib: rssTarget,
        ...(peer && { cpuMet: ours.median <= peer.median }),
        rssMet: hostPeak <= rssTarget,
      },
    };
  } finally {
    await Promise.all(collectors.map((collector) => collector.stop("SIGTERM").catch(() => {})));
    await netdata?.stop();
    await aggregator?.close();
    await host.remove();
    await Deno.remove(scratch, { recursive: true });
  }
}

/** What one window measured: usages at its start and end, polls (seconds) and points. */
interface Window {
  start: ProcessUsage[];
  end: ProcessUsage[];
  netdataStart?: NetdataUsage;
  netdataEnd?: NetdataUsage;
  polls: number;
  points: Map<string, number>;
  load: { start: string; end: string };
  cpuMs(collector: number): number;
  netdataCpuMs(): number;
  netdataThreadsCpuMs(): number;
}

async function measureWindow(
  collectors: CollectorProcess[],
  netdata: NetdataPeer | undefined,
  points: PointCounter,
  seconds: number,
): Promise<Window> {
  const loadStart = await loadAverage();
  const before = points.snapshot();
  const [start, netdataStart] = await Promise.all([usages(collectors), netdata?.usage()]);
  const startedAt = performance.now();
  await delay(seconds * 1000);
  const [end, netdataEnd] = await Promise.all([usages(collectors), netdata?.usage()]);
  const polls = (performance.now() - startedAt) / 1000;
  const after = points.snapshot();
  const window: Window = {
    start,
    end,
    netdataStart,
    netdataEnd,
    polls,
    points: new Map([...after].map(([name, total]) => [name, total - (before.get(name) ?? 0)])),
    load: { start: loadStart, end: await loadAverage() },
    cpuMs: (index) => end[index].cpuMs - start[index].cpuMs,
    netdataCpuMs: () => (netdataEnd?.cpuMs ?? 0) - (netdataStart?.cpuMs ?? 0),
    netdataThreadsCpuMs: () =>
      (netdataEnd?.cgroupsThreadsCpuMs ?? 0) - (netdataStart?.cgroupsThreadsCpuMs ?? 0),
  };
  return window;
}

async function sh(script: string): Promise<string> {
  const output = await new Deno.Command("sh", { args: ["-c", script], stdout: "piped" }).output();
  return new TextDecoder().decode(output.stdout);
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
