/**
 * What the collector benchmarks run against: the workload cgroup (live, or a
 * fixture when not root) and a real aggregator process with the stdout sink
 * plus any extra AGGREGATOR_* settings, and the environment of a collector
 * publishing to it every second.
 */
import { AggregatorProcess } from "../tests/support/aggregator.ts";
import { type WorkloadCgroup, workloadCgroup } from "./workload_cgroup.ts";

export interface CollectorScene extends AsyncDisposable {
  cgroup: WorkloadCgroup;
  aggregator: AggregatorProcess;
  /** MINI_COLLECTOR_* for one collector tagged with `service`, debug logs when asked. */
  collectorEnv(service: string, debug?: boolean): Record<string, string>;
}

export async function collectorScene(
  aggregatorEnv: Record<string, string> = {},
): Promise<CollectorScene> {
  const cgroup = await workloadCgroup();
  let aggregator: AggregatorProcess;
  try {
    aggregator = await AggregatorProcess.start({ env: aggregatorEnv });
  } catch (error) {
    await cgroup[Symbol.asyncDispose]();
    throw error;
  }
  return {
    cgroup,
    aggregator,
    collectorEnv: (service, debug = false) => ({
      MINI_COLLECTOR_REMOTE_ADDRESS: `127.0.0.1:${aggregator.port}`,
      MINI_COLLECTOR_CONTAINER_ID: cgroup.containerId,
      MINI_COLLECTOR_ENVIRONMENT_NAME: "bench",
      MINI_COLLECTOR_SERVICE_NAME: service,
      MINI_COLLECTOR_CGROUP_PATH: cgroup.root,
      MINI_COLLECTOR_MOUNT_PATH: cgroup.volume,
      MINI_COLLECTOR_POLL_INTERVAL: "1s",
      ...(debug ? { MINI_COLLECTOR_DEBUG: "" } : {}),
    }),
    async [Symbol.asyncDispose]() {
      await aggregator.close();
      await cgroup[Symbol.asyncDispose]();
    },
  };
}
