/**
 * Which container runtime per-host mode asks (`MINI_COLLECTOR_HOST_RUNTIME`):
 * the one named, or with `auto` the first whose traces are on this host —
 * Docker's `containers` directory, then the CRI socket. Docker comes first
 * because a Docker host runs a containerd too, for Docker's own use.
 *
 * @module
 */
import { join } from "node:path";
import { isDirectory } from "../cgroup/mod.ts";
import type { HostModeConfig } from "../config/mod.ts";
import { ContainerdRuntime } from "./containerd.ts";
import { DockerRuntime } from "./docker.ts";
import type { ContainerRuntime } from "./runtime.ts";

/** The configured runtime, or a sentence saying why none can be chosen. */
export async function selectRuntime(
  config: HostModeConfig,
): Promise<ContainerRuntime | { problem: string }> {
  const docker = () => new DockerRuntime(config);
  const containerd = () => new ContainerdRuntime(config);
  if (config.runtime === "docker") return docker();
  if (config.runtime === "containerd") return containerd();
  const containers = join(config.dockerRoot, "containers");
  if (await isDirectory(containers)) return docker();
  if (await isSocket(config.criSocket)) return containerd();
  return {
    problem: `MINI_COLLECTOR_HOST_RUNTIME=auto found no runtime: no directory ${containers} ` +
      `(Docker), no socket ${config.criSocket} (containerd); set MINI_COLLECTOR_HOST_RUNTIME ` +
      `or mount the runtime's files`,
  };
}

async function isSocket(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isSocket === true;
  } catch {
    return false;
  }
}
