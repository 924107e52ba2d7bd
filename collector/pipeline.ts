/**
 * One collector's pipeline, built from its configuration: the point sampler
 * (cgroup and volume), the bounded queue, and the publisher on its connection
 * to the aggregator. The program runs one; load tests run many in a process,
 * each with its own tags.
 */
import { CgroupSampler } from "../shared/cgroup/mod.ts";
import type { CollectorConfig } from "../shared/config/mod.ts";
import { PointSampler } from "./point.ts";
import { BACKOFF } from "../shared/backoff.ts";
import { Publisher } from "./publisher.ts";
import { PointQueue } from "./queue.ts";
import { tagHeaders } from "./tags.ts";
import { type AggregatorConnection, connectAggregator } from "./transport.ts";

export interface CollectorPipeline {
  connection: AggregatorConnection;
  headers: Record<string, string>;
  points: PointSampler;
  queue: PointQueue;
  publisher: Publisher;
}

export function createPipeline(
  config: CollectorConfig,
  headers: Record<string, string> = tagHeaders(config),
): CollectorPipeline {
  const connection = connectAggregator(config);
  const queue = new PointQueue(config.queueSize);
  const publisher = new Publisher(connection.client, queue, {
    timeoutMs: config.publishTimeoutMs,
    headers,
    backoff: BACKOFF.publish,
  });
  const points = new PointSampler(
    new CgroupSampler({
      root: config.cgroupRoot,
      containerId: config.containerId,
      relativePath: config.cgroupRelativePath,
    }),
    config.mountPath,
  );
  return { connection, headers, points, queue, publisher };
}
