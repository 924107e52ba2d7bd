/**
 * What a collector samples: a source is one container's point sampler and the
 * tags its points are published under. A collector in container mode has one
 * source, its own container, built from its configuration.
 *
 * @module
 */
import { CgroupSampler } from "../shared/cgroup/mod.ts";
import type { CollectorConfig } from "../shared/config/mod.ts";
import type { PublishRequest } from "../shared/gen/aggregator_pb.ts";
import type { PollTime } from "./loop.ts";
import { PointSampler } from "./point_sampler.ts";
import { tagHeaders, type Tags } from "./tags.ts";

export interface PointSource {
  /** Sent as metadata with every point of this source. */
  tags: Tags;
  sampler: { sample(time: PollTime): Promise<PublishRequest> };
}

/** The configured container: its cgroup and volume, under the configuration's tags. */
export function containerSource(config: CollectorConfig): PointSource {
  return {
    tags: tagHeaders(config),
    sampler: new PointSampler(
      new CgroupSampler({
        root: config.cgroupRoot,
        containerId: config.containerId,
        relativePath: config.cgroupRelativePath,
      }),
      config.mountPath,
    ),
  };
}
