/**
 * Which container runtime per-host mode asks (`MINI_COLLECTOR_HOST_RUNTIME`):
 * the one named, or with `auto` the first whose traces are on this host —
 * Docker's `containers` directory, then containerd's socket. Docker comes
 * first because a Docker host runs a containerd too, for Docker's own use.
 *
 * @module
 */
import { join } from "node:path";
import { isDirectory } from "../../shared/cgroup/directory.ts";
import type { HostModeConfig } from "../../shared/config/mod.ts";
import { DockerRuntime } from "./docker.ts";
import type { ContainerRuntime } from "./runtime.ts";

/** The configured runtime, or a sentence saying why none can be chosen. */
export async function selectRuntime(
  config: HostModeConfig,
): Promise<ContainerRuntime | { problem: string }> {
  const docker = () => new DockerRuntime(config);
  if (config.runtime === "docker") return docker();
  const containers = join(config.dockerRoot, "containers");
  if (await isDirectory(containers)) return docker();
  return {
    problem: `MINI_COLLECTOR_HOST_RUNTIME=auto found no runtime: no directory ${containers} ` +
      `(Docker); set MINI_COLLECTOR_HOST_RUNTIME or mount the runtime's files`,
  };
}
