/**
 * What a collector samples: a source is one container's point sampler and the
 * tags its points are published under. A collector in container mode has one
 * source, its own container, built from its configuration; in host mode the
 * sources are listed anew every poll (collector/host/containers.ts).
 *
 * @module
 */
import { CgroupSampler } from "./cgroup/mod.ts";
import type { ContainerModeConfig } from "./config/mod.ts";
import type { PublishRequest } from "../shared/gen/aggregator_pb.ts";
import type { PollTime } from "./loop.ts";
import { dockerCgroupPaths } from "./host/docker_layout.ts";
import { PointSampler } from "./point_sampler.ts";
import { tagHeaders, type Tags } from "./tags.ts";

export interface PointSource {
  /** Sent as metadata with every point of this source. */
  tags: Tags;
  sampler: { sample(time: PollTime): Promise<PublishRequest> };
}

/** A fixed set of sources, or a function listing the sources of each poll. */
export type SourceList = readonly PointSource[] | (() => Promise<readonly PointSource[]>);

/** The configured container: its cgroup and volume, under the configuration's tags. */
export function containerSource(config: ContainerModeConfig): PointSource {
  return {
    tags: tagHeaders(config),
    sampler: new PointSampler(
      new CgroupSampler({
        root: config.cgroupRoot,
        relativePaths: config.cgroupRelativePath === undefined
          ? dockerCgroupPaths(config.containerId)
          : [config.cgroupRelativePath],
      }),
      config.mountPath,
      { watchPresence: true },
    ),
  };
}
