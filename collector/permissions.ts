/**
 * The collector's Deno flags: its narrow permission set, derived from its own
 * configuration, and its V8 flags. Run, it prints them for the tasks and the
 * image build (or, with `--verify`, checks the configuration first:
 * shared/permissions/command.ts).
 *
 * @module
 */

import { join } from "node:path";
import {
  hostPort,
  pathFlag,
  permissionsCommand,
  type ProgramPermissions,
} from "../shared/permissions/mod.ts";
import { type CollectorConfig, collectorConfig } from "./config/mod.ts";
import { oldSpaceMib } from "./heap.ts";

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
    `--allow-read=${reads.join(",")}`,
    ...(writes.length ? [`--allow-write=${writes.join(",")}`] : []),
    "--allow-sys=statfs",
    `--allow-net=${[...config.remoteAddresses.map(hostPort), ...sockets].join(",")}`,
  ];
}

export const COLLECTOR_PERMISSIONS: ProgramPermissions = {
  name: "collector",
  env: "MINI_COLLECTOR_*",
  permissions: (env) => collectorPermissions(collectorConfig(env)),
  /**
   * Small heap caps: the collector holds little live data beyond its queue,
   * and the old-space cap is sized from the queue (./heap.ts). It does a little
   * work once per poll: optimising it never pays back, and every wake-up of a
   * V8 helper thread costs CPU, so it runs without TurboFan (`--lite-mode`) and
   * without V8's worker threads (`--single-threaded`) — measured side by side
   * against a fixture, 1 s polls over 40 s: 9–10 ms → 6–7.5 ms CPU per poll,
   * peak RSS 67 → 61 MiB.
   */
  v8Flags: (env) =>
    "--lite-mode,--single-threaded,--max-semi-space-size=1," +
    `--max-old-space-size=${oldSpaceMib(collectorConfig(env))}`,
};

if (import.meta.main) permissionsCommand(COLLECTOR_PERMISSIONS, Deno.args);
