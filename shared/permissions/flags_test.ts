import assert from "node:assert/strict";
import { envFrom } from "../config/mod.ts";
import { programFlags } from "./flags.ts";

const COLLECTOR = {
  MINI_COLLECTOR_REMOTE_ADDRESS: "10.0.0.5:8000",
  MINI_COLLECTOR_CONTAINER_ID: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
  MINI_COLLECTOR_ENVIRONMENT_NAME: "production",
  MINI_COLLECTOR_SERVICE_NAME: "web",
  MINI_COLLECTOR_CGROUP_PATH: "/host/cgroup",
};

Deno.test("collector flags: its cgroup root and volume, its aggregator, its own variables", () => {
  const flags = programFlags(
    "collector",
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
  const noVolume = programFlags("collector", envFrom(COLLECTOR));
  assert.ok(noVolume.includes("--allow-sys=statfs"), "statfs tells a cgroup file system apart");
  assert.ok(noVolume.includes("--allow-read=/host/cgroup"));
});

Deno.test("host-mode collector flags: the cgroup root and Docker's containers directory", () => {
  const { MINI_COLLECTOR_CONTAINER_ID: _, ...shared } = COLLECTOR;
  const flags = programFlags(
    "collector",
    envFrom({
      ...shared,
      MINI_COLLECTOR_MODE: "host",
      MINI_COLLECTOR_HOST_RUNTIME: "docker",
      MINI_COLLECTOR_DOCKER_ROOT: "/host/docker",
    }),
  );
  assert.deepEqual(flags.slice(0, -1), [
    "--no-prompt",
    "--allow-read=/host/cgroup,/host/docker/containers",
    "--allow-sys=statfs",
    "--allow-net=10.0.0.5:8000",
    "--allow-env=MINI_COLLECTOR_*",
  ]);
  const byDefault = programFlags("collector", envFrom({ ...shared, MINI_COLLECTOR_MODE: "host" }));
  assert.deepEqual(byDefault.slice(1, 3), [
    "--allow-read=/host/cgroup,/var/lib/docker/containers,/run/containerd/containerd.sock",
    "--allow-write=/run/containerd/containerd.sock",
  ], "auto: both runtimes' files");
  assert.throws(
    () =>
      programFlags(
        "collector",
        envFrom({ ...shared, MINI_COLLECTOR_MODE: "host", MINI_COLLECTOR_DOCKER_ROOT: "/a b" }),
      ),
    /MINI_COLLECTOR_DOCKER_ROOT: "\/a b\/containers" must not contain commas or spaces/,
  );
});

Deno.test("host-mode collector flags on containerd: the cgroup root, and read, write and connect on the CRI socket only", () => {
  const { MINI_COLLECTOR_CONTAINER_ID: _, ...shared } = COLLECTOR;
  const flags = programFlags(
    "collector",
    envFrom({
      ...shared,
      MINI_COLLECTOR_MODE: "host",
      MINI_COLLECTOR_HOST_RUNTIME: "containerd",
      MINI_COLLECTOR_CRI_SOCKET: "/host/run/containerd/containerd.sock",
    }),
  );
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
    "collector",
    envFrom({ ...COLLECTOR, MINI_COLLECTOR_REMOTE_ADDRESS: "10.0.0.5:8000,agg-2:8001,[::1]:8002" }),
  );
  const net = flags.filter((flag) => flag.startsWith("--allow-net"));
  assert.deepEqual(net, ["--allow-net=10.0.0.5:8000,agg-2:8001,[::1]:8002"]);
});

Deno.test("aggregator flags: its listener, its destinations and its spool, nothing else", () => {
  const flags = programFlags(
    "aggregator",
    envFrom({
      AGGREGATOR_DATADOG_CONFIGURATION: `{"api_key":"k"}`,
      AGGREGATOR_INFLUXDB_CONFIGURATION: `{"address":"http://influx:8086","database":"m"}`,
      AGGREGATOR_PROMETHEUS_CONFIGURATION: `{"url":"https://prom.example:9443/api/v1/write"}`,
      AGGREGATOR_SPOOL_PATH: "/var/lib/aggregator",
    }),
  );
  assert.deepEqual(flags.slice(0, -1), [
    "--no-prompt",
    "--allow-net=0.0.0.0:8000,127.0.0.1:8000,api.datadoghq.com:443,influx:8086," +
    "prom.example:9443",
    "--allow-read=/var/lib/aggregator",
    "--allow-write=/var/lib/aggregator",
    "--allow-env=AGGREGATOR_*,MINI_COLLECTOR_DEBUG",
  ]);
  for (const flag of flags) assert.doesNotMatch(flag, /^(-A|--allow-all|--allow-run)/);
});

Deno.test("aggregator flags: the metrics listener, on its own address and on loopback", () => {
  const net = (metrics: string) =>
    programFlags(
      "aggregator",
      envFrom({
        AGGREGATOR_TEXT_CONFIGURATION: "",
        AGGREGATOR_LISTEN_ADDRESS: "127.0.0.1:8000",
        AGGREGATOR_METRICS_LISTEN_ADDRESS: metrics,
      }),
    ).find((flag) => flag.startsWith("--allow-net="));
  assert.equal(net("127.0.0.1:9090"), "--allow-net=127.0.0.1:8000,127.0.0.1:9090");
  assert.equal(net("0.0.0.0:9090"), "--allow-net=127.0.0.1:8000,0.0.0.0:9090,127.0.0.1:9090");
});

Deno.test("paths that cannot be expressed as a permission are refused", () => {
  assert.throws(
    () => programFlags("collector", envFrom({ ...COLLECTOR, MINI_COLLECTOR_MOUNT_PATH: "/a,b" })),
    /MINI_COLLECTOR_MOUNT_PATH: "\/a,b" must not contain commas/,
  );
});
