/**
 * The demo in container (sidecar) mode: one collector for one container. As
 * root a real cgroup with a workload in it (tests/support/live_cgroup.ts);
 * otherwise a copy of a bundled cgroup fixture, advanced to its second
 * snapshot a few seconds in so rates move once.
 *
 * @module
 */
import { COLLECTOR_CGROUP_MOUNT } from "../collector/config/mod.ts";
import { advanceTo, copyFixture } from "../tests/support/cgroup_fixture_copy.ts";
import { readCapture } from "../tests/support/cgroup_fixtures.ts";
import { createLiveCgroup, liveCgroupLayout } from "../tests/support/live_cgroup.ts";
import type { Scene } from "./scene.ts";

const FIXTURE = "v1-cgroupfs";

export async function sidecarScene(scratch: string): Promise<Scene> {
  const env = (root: string, containerId: string) => ({
    MINI_COLLECTOR_CONTAINER_ID: containerId,
    MINI_COLLECTOR_ENVIRONMENT_NAME: "demo",
    MINI_COLLECTOR_SERVICE_NAME: "web",
    MINI_COLLECTOR_CGROUP_PATH: root,
    MINI_COLLECTOR_MOUNT_PATH: scratch,
    MINI_COLLECTOR_POLL_INTERVAL: "1s",
  });
  const layout = await liveCgroupLayout();
  if (typeof layout === "string") {
    const cgroup = await createLiveCgroup({
      memoryLimitMb: 128,
      pidsMax: 32,
      cpuLimitMilli: 500,
      ballastMb: 32,
      scratch,
    });
    return {
      collectorEnv: env(cgroup.exposed, cgroup.containerId),
      description: [
        `container mode: one collector watching a real cgroup (${cgroup.layout}) ` +
        `docker/${cgroup.containerId.slice(0, 12)}… with a workload in it (32 MiB held, ` +
        `spinning under a 0.5 CPU quota, fsync writes); cgroup filesystem exposed read-only at ` +
        cgroup.exposed,
      ],
      remove: () => cgroup.remove(),
    };
  }
  const capture = await readCapture(FIXTURE);
  const root = await copyFixture(FIXTURE, "t0");
  const timer = setTimeout(() => advanceTo(root, FIXTURE, "t1"), 3_000);
  return {
    collectorEnv: env(root, capture.containerId),
    description: [
      `cannot watch a live cgroup: ${layout.reason}. Watching the bundled fixture ${FIXTURE} instead.`,
      "to watch a real container on this host, as root:",
      `    sudo collector/expose-cgroup.sh ${COLLECTOR_CGROUP_MOUNT}`,
      `    MINI_COLLECTOR_CGROUP_PATH=${COLLECTOR_CGROUP_MOUNT} MINI_COLLECTOR_CONTAINER_ID=<64-hex id> \\\n` +
      `    MINI_COLLECTOR_REMOTE_ADDRESS=127.0.0.1:8000 MINI_COLLECTOR_ENVIRONMENT_NAME=demo \\\n` +
      `    MINI_COLLECTOR_SERVICE_NAME=web MINI_COLLECTOR_POLL_INTERVAL=1s deno task collect`,
    ],
    remove: async () => {
      clearTimeout(timer);
      await Deno.remove(root, { recursive: true });
    },
  };
}
