/**
 * The single source of each program's Deno flags: the narrow permission set
 * derived from the program's own configuration, plus the V8 flags that keep
 * its footprint small. Tasks, compile tasks, container images and tests all
 * take their flags from here.
 *
 * @module
 */

import {
  type Address,
  type AggregatorConfig,
  aggregatorConfig,
  ConfigError,
  type Env,
} from "../config/mod.ts";
import { type CollectorConfig, collectorConfig } from "../../collector/config/mod.ts";
import { join } from "node:path";

export type Program = "collector" | "aggregator";

export const PROGRAMS: readonly Program[] = ["collector", "aggregator"];

/** The environment variables each program may read. */
export const ENV_ALLOWED: Record<Program, string> = {
  collector: "MINI_COLLECTOR_*",
  aggregator: "AGGREGATOR_*,MINI_COLLECTOR_DEBUG",
};

/**
 * Young-generation and heap caps: both programs hold little live data. The
 * aggregator's young generation is sized for load: every call allocates
 * short-lived request objects, and a 2 MiB semi-space spent a fifth of its
 * CPU in scavenges (bench/, BENCHMARKS.md); 8 MiB costs no more main-thread
 * CPU than 16 MiB under PublishBatch load and keeps 30 MiB less resident (the
 * flag applies to the encoding worker's isolate as well). The collector does a little
 * work once per poll: optimising it never pays back, and every wake-up of a
 * V8 helper thread costs CPU, so it runs without TurboFan (`--lite-mode`) and
 * without V8's worker threads (`--single-threaded`) — measured side by side
 * against a fixture, 1 s polls over 40 s: 9–10 ms → 6–7.5 ms CPU per poll,
 * peak RSS 67 → 61 MiB.
 */
const V8_FLAGS: Record<Program, string> = {
  collector: "--lite-mode,--single-threaded,--max-semi-space-size=1,--max-old-space-size=96",
  aggregator: "--max-semi-space-size=8,--max-old-space-size=256",
};

/**
 * Reads: the cgroup root; in container mode the volume, if any; in host mode
 * on Docker (or `auto`) Docker's per-container configs, `<docker root>/containers`,
 * and nothing else of Docker's root. On containerd (or `auto`) the CRI socket
 * and nothing else: Deno 2.9 lets a program connect to a unix socket only
 * with read, write and net (`unix:<path>`) permission on its path, all three.
 * `statfs` (file system facts, no contents): the volume's
 * usage, and whether the cgroup directories are on a cgroup file system, where
 * the sampler keeps their files open (collector/cgroup/files.ts).
 */
function collectorPermissions(config: CollectorConfig): string[] {
  const reads = [pathFlag("MINI_COLLECTOR_CGROUP_PATH", config.cgroupRoot)];
  const mountPath = config.mode === "container" ? config.mountPath : undefined;
  if (mountPath) reads.push(pathFlag("MINI_COLLECTOR_MOUNT_PATH", mountPath));
  const writes: string[] = [];
  const sockets: string[] = [];
  if (config.mode === "host" && config.runtime !== "containerd") {
    reads.push(pathFlag("MINI_COLLECTOR_DOCKER_ROOT", join(config.dockerRoot, "containers")));
  }
  if (config.mode === "host" && config.runtime !== "docker") {
    const socket = pathFlag("MINI_COLLECTOR_CRI_SOCKET", config.criSocket);
    reads.push(socket);
    writes.push(socket);
    sockets.push(`unix:${socket}`);
  }
  return [
    "--no-prompt",
    `--allow-read=${reads.join(",")}`,
    ...(writes.length ? [`--allow-write=${writes.join(",")}`] : []),
    "--allow-sys=statfs",
    `--allow-net=${[...config.remoteAddresses.map(hostPort), ...sockets].join(",")}`,
    `--allow-env=${ENV_ALLOWED.collector}`,
  ];
}

function aggregatorPermissions(config: AggregatorConfig): string[] {
  const spool = pathFlag("AGGREGATOR_SPOOL_PATH", config.spoolPath);
  const listeners = [
    config.listenAddress,
    config.connectListenAddress,
    config.metricsListenAddress,
  ]
    .filter((address) => address !== undefined);
  const destinations = [
    config.datadog?.seriesUrl,
    config.influxdb?.address,
    config.prometheus?.url,
    config.notify?.url,
  ].filter((url) => url !== undefined).map(urlHostPort);
  return [
    "--no-prompt",
    `--allow-net=${unique([...listeners.flatMap(listenHostPorts), ...destinations]).join(",")}`,
    `--allow-read=${spool}`,
    `--allow-write=${spool}`,
    `--allow-env=${ENV_ALLOWED.aggregator}`,
  ];
}

/** Every flag `deno run` or `deno compile` needs for the program, from its environment. */
export function programFlags(program: Program, env: Env): string[] {
  const permissions = program === "collector"
    ? collectorPermissions(collectorConfig(env))
    : aggregatorPermissions(aggregatorConfig(env));
  return [...permissions, `--v8-flags=${V8_FLAGS[program]}`];
}

function pathFlag(variable: string, path: string): string {
  if (/[,\s]/.test(path)) {
    throw new ConfigError(variable, `"${path}" must not contain commas or spaces`, "/data");
  }
  return path;
}

function hostPort(address: Address): string {
  return `${address.host}:${address.port}`;
}

/** A listener also answers its own health probe, sent to loopback when it listens on all interfaces. */
function listenHostPorts(address: Address): string[] {
  const wildcard = address.host === "0.0.0.0" || address.host === "[::]" || address.host === "";
  const own = hostPort({ ...address, host: address.host || "0.0.0.0" });
  return wildcard ? [own, `127.0.0.1:${address.port}`] : [own];
}

function urlHostPort(url: URL): string {
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return `${url.hostname}:${port}`;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
