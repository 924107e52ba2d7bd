import assert from "node:assert/strict";
import { envFrom } from "../shared/config/mod.ts";
import { programFlags } from "../shared/permissions/mod.ts";
import { COLLECTOR_PERMISSIONS } from "./permissions.ts";

const COLLECTOR = {
  MINI_COLLECTOR_REMOTE_ADDRESS: "10.0.0.5:8000",
  MINI_COLLECTOR_CONTAINER_ID: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
  MINI_COLLECTOR_ENVIRONMENT_NAME: "production",
  MINI_COLLECTOR_SERVICE_NAME: "web",
  MINI_COLLECTOR_CGROUP_PATH: "/host/cgroup",
};

Deno.test("collector flags: its cgroup root and volume, its aggregator, its own variables", () => {
  const flags = programFlags(
    COLLECTOR_PERMISSIONS,
    envFrom({
      ...COLLECTOR,
      MINI_COLLECTOR_MOUNT_PATH: "/data",
    }),
  );
  assert.deepEqual(flags.slice(0, -1), [
    "--no-prompt",
    "--allow-read=/host/cgroup,/data",
    "--allow-sys=statfs",
    "--allow-net=10.0.0.5:8000",
    "--allow-env=MINI_COLLECTOR_*",
  ]);
  assert.match(flags.at(-1)!, /^--v8-flags=/);
  const noVolume = programFlags(COLLECTOR_PERMISSIONS, envFrom(COLLECTOR));
  assert.ok(noVolume.includes("--allow-sys=statfs"), "statfs tells a cgroup file system apart");
  assert.ok(noVolume.includes("--allow-read=/host/cgroup"));
});

/** A per-host collector's flags: the shared variables, host mode, and `variables`. */
function hostFlags(variables: Record<string, string>): string[] {
  const { MINI_COLLECTOR_CONTAINER_ID: _, ...shared } = COLLECTOR;
  return programFlags(
    COLLECTOR_PERMISSIONS,
    envFrom({ ...shared, MINI_COLLECTOR_MODE: "host", ...variables }),
  );
}

Deno.test("host-mode collector flags: the cgroup root and Docker's containers directory", () => {
  const flags = hostFlags({
    MINI_COLLECTOR_HOST_RUNTIME: "docker",
    MINI_COLLECTOR_DOCKER_ROOT: "/host/docker",
  });
  assert.deepEqual(flags.slice(0, -1), [
    "--no-prompt",
    "--allow-read=/host/cgroup,/host/docker/containers",
    "--allow-sys=statfs",
    "--allow-net=10.0.0.5:8000",
    "--allow-env=MINI_COLLECTOR_*",
  ]);
  assert.deepEqual(hostFlags({}).slice(1, 3), [
    "--allow-read=/host/cgroup,/var/lib/docker/containers,/run/containerd/containerd.sock",
    "--allow-write=/run/containerd/containerd.sock",
  ], "auto: both runtimes' files");
  assert.throws(
    () => hostFlags({ MINI_COLLECTOR_DOCKER_ROOT: "/a b" }),
    /MINI_COLLECTOR_DOCKER_ROOT: "\/a b\/containers" must not contain commas or spaces/,
  );
});

Deno.test("host-mode collector flags on containerd: the cgroup root, and read, write and connect on the CRI socket only", () => {
  const flags = hostFlags({
    MINI_COLLECTOR_HOST_RUNTIME: "containerd",
    MINI_COLLECTOR_CRI_SOCKET: "/host/run/containerd/containerd.sock",
  });
  assert.deepEqual(flags.slice(0, -1), [
    "--no-prompt",
    "--allow-read=/host/cgroup,/host/run/containerd/containerd.sock",
    "--allow-write=/host/run/containerd/containerd.sock",
    "--allow-sys=statfs",
    "--allow-net=10.0.0.5:8000,unix:/host/run/containerd/containerd.sock",
    "--allow-env=MINI_COLLECTOR_*",
  ]);
});

Deno.test("collector flags: every listed aggregator, and no other host", () => {
  const flags = programFlags(
    COLLECTOR_PERMISSIONS,
    envFrom({ ...COLLECTOR, MINI_COLLECTOR_REMOTE_ADDRESS: "10.0.0.5:8000,agg-2:8001,[::1]:8002" }),
  );
  const net = flags.filter((flag) => flag.startsWith("--allow-net"));
  assert.deepEqual(net, ["--allow-net=10.0.0.5:8000,agg-2:8001,[::1]:8002"]);
});

Deno.test("paths that cannot be expressed as a permission are refused", () => {
  assert.throws(
    () =>
      programFlags(
        COLLECTOR_PERMISSIONS,
        envFrom({ ...COLLECTOR, MINI_COLLECTOR_MOUNT_PATH: "/a,b" }),
      ),
    /MINI_COLLECTOR_MOUNT_PATH: "\/a,b" must not contain commas/,
  );
});

Deno.test("collector V8 flags: an old-space cap sized from the queue, whatever the mode", () => {
  const oldSpace = (variables: Record<string, string>, host = false) => {
    const flags = host ? hostFlags(variables) : programFlags(
      COLLECTOR_PERMISSIONS,
      envFrom({ ...COLLECTOR, ...variables }),
    );
    return flags.at(-1)!.match(/^--v8-flags=.*--max-old-space-size=(\d+)$/)?.[1];
  };
  assert.equal(oldSpace({}), "33", "container mode: ten points");
  assert.equal(oldSpace({}, true), "42", "host mode: ten thousand points");
  assert.equal(oldSpace({ MINI_COLLECTOR_QUEUE_SIZE: "100000" }, true), "130");
  assert.ok(
    programFlags(COLLECTOR_PERMISSIONS, envFrom(COLLECTOR)).at(-1)!.includes("--lite-mode"),
  );
});
