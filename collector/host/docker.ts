/**
 * Docker as the runtime of per-host mode: containers are the cgroups laid
 * out as Docker's (docker_layout.ts), their tags the labels of their on-disk
 * configs (container_tags.ts). A cgroup without a config is not Docker's.
 *
 * @module
 */
import { join } from "node:path";
import {
  ContainerTagCache,
  type ContainerTagCacheOptions,
  type ContainerTagOptions,
} from "./container_tags.ts";
import { discoverDockerContainers } from "./docker_layout.ts";
import type { ContainerRuntime, HostContainer, TagLookup } from "./runtime.ts";

export class DockerRuntime implements ContainerRuntime {
  readonly name = "docker";
  readonly description: string;
  #tags: ContainerTagCache;

  constructor(options: ContainerTagOptions, cacheOptions?: ContainerTagCacheOptions) {
    this.#tags = new ContainerTagCache(options, cacheOptions);
    this.description = `labels ${options.labelPrefix}* in ${
      join(options.dockerRoot, "containers")
    } (default environment ${options.defaultEnvironment ?? "none"}, service ${
      options.defaultService ?? "none"
    })`;
  }

  list(cgroupRoot: string): Promise<HostContainer[]> {
    return discoverDockerContainers(cgroupRoot);
  }

  tags(containers: readonly HostContainer[]): Promise<Map<string, TagLookup>> {
    const ids = containers.map((container) => container.containerId);
    this.#tags.retain(ids);
    return Promise.resolve(new Map(ids.map((id) => [id, this.#tags.lookup(id)])));
  }
}
