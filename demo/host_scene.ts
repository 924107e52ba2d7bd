/**
 * The demo in host mode: one collector for every container of the host. As
 * root, several real containers (tests/support/live_cgroup.ts), each with
 * its own limits and load — a web server spinning under a CPU quota, a worker
 * writing with fsync, a database holding memory, an idle cron — and a Docker
 * root with each one's `config.v2.json` carrying its labels. Not root: the
 * same containers as copies of a bundled cgroup fixture (static figures).
 * Either way the worker can be stopped (its cgroup removed) and started again.
 *
 * @module
 */
import { join } from "node:path";
import { ContainerTree } from "../tests/support/cgroup_container_tree.ts";
import {
  type ContainerSpec,
  LiveCgroupHost,
  liveCgroupLayout,
  type LiveContainer,
} from "../tests/support/live_cgroup.ts";
import { type DockerContainer, writeDockerConfig } from "./docker_config.ts";
import type { Churn, Scene } from "./scene.ts";

const FIXTURE = "v2-cgroupfs";

interface DemoContainer extends DockerContainer {
  spec: ContainerSpec;
  /** What its workload does, for the viewer. */
  load: string;
}

function randomId(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(32)),
    (byte) => byte.toString(16).padStart(2, "0"),
  ).join("");
}

function labels(environment: string, service: string, extra: Record<string, string> = {}) {
  return {
    "mini-collector.environment": environment,
    "mini-collector.service": service,
    ...Object.fromEntries(
      Object.entries(extra).map(([key, value]) => [`mini-collector.${key}`, value]),
    ),
  };
}

/** The demo's containers; the worker is the one stopped and started again. */
function demoContainers(): DemoContainer[] {
  const limits = { memoryLimitMb: 256, pidsMax: 64 };
  return [
    {
      id: randomId(),
      name: "web",
      labels: labels("production", "web", { app: "shop" }),
      spec: { ...limits, cpuLimitMilli: 250, workload: { spin: true } },
      load: "spins under a 0.25 CPU quota",
    },
    {
      id: randomId(),
      name: "worker",
      labels: labels("production", "worker", { app: "shop" }),
      spec: { ...limits, workload: { fsyncKib: 512, pauseS: 0.25 } },
      load: "writes 512 KiB with fsync 4 times a second",
    },
    {
      id: randomId(),
      name: "orders-db",
      labels: labels("staging", "postgres", { database: "orders" }),
      spec: { ...limits, workload: { ballastMb: 64 } },
      load: "holds 64 MiB",
    },
    {
      id: randomId(),
      name: "cron",
      labels: labels("production", "cron"),
      spec: { ...limits, workload: {} },
      load: "idle",
    },
  ];
}

export async function hostScene(scratch: string): Promise<Scene> {
  const dockerRoot = join(scratch, "docker");
  const containers = demoContainers();
  for (const container of containers) await writeDockerConfig(dockerRoot, container);
  const env = (cgroupRoot: string) => ({
    MINI_COLLECTOR_MODE: "host",
    MINI_COLLECTOR_CGROUP_PATH: cgroupRoot,
    MINI_COLLECTOR_DOCKER_ROOT: dockerRoot,
    MINI_COLLECTOR_POLL_INTERVAL: "1s",
  });
  const worker = containers[1];
  const listing = containers.map((c) =>
    `    ${c.id.slice(0, 12)}  ${c.name.padEnd(9)}  ${
      Object.entries(c.labels).map(([k, v]) => `${k}=${v}`).join(" ")
    }  (${c.load})`
  );
  const layout = await liveCgroupLayout();
  if (typeof layout !== "string") {
    const tree = await ContainerTree.create(FIXTURE);
    const path = (id: string) => ContainerTree.layouts.cgroupfs(id);
    for (const container of containers) await tree.add(path(container.id));
    return {
      collectorEnv: env(tree.root),
      description: [
        `cannot make live cgroups: ${layout.reason}. Host mode over copies of the bundled ` +
        `cgroup fixture ${FIXTURE} instead (static figures), Docker root ${dockerRoot}:`,
        ...listing,
        "run as root (sudo) to watch real containers with real load",
      ],
      churn: {
        name: worker.name,
        stop: () => tree.remove(path(worker.id)),
        start: () => tree.add(path(worker.id)),
      },
      remove: () => tree[Symbol.asyncDispose](),
    };
  }
  const host = await LiveCgroupHost.create(scratch);
  try {
    const running = new Map<string, LiveContainer>();
    for (const container of containers) {
      running.set(container.id, await host.addContainer(container.spec, container.id));
    }
    const churn: Churn = {
      name: worker.name,
      stop: async () => await running.get(worker.id)?.remove(),
      start: async () =>
        void running.set(worker.id, await host.addContainer(worker.spec, worker.id)),
    };
    return {
      collectorEnv: env(host.exposed),
      description: [
        `host mode: one collector for every container below ${host.exposed} (this host's cgroup ` +
        `filesystem, ${host.layout}, exposed read-only), tagged from labels in ${dockerRoot}:`,
        ...listing,
      ],
      churn,
      remove: () => host.remove(),
    };
  } catch (error) {
    await host.remove();
    throw error;
  }
}
