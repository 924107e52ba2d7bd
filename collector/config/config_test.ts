import assert from "node:assert/strict";
import { collectorConfig, type HostModeConfig } from "./config.ts";
import { ConfigError, envFrom } from "../../shared/config/mod.ts";
import { DEFAULT_KUBERNETES_TAGS } from "./kubernetes_tags.ts";

const ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const REQUIRED = {
  MINI_COLLECTOR_REMOTE_ADDRESS: "aggregator:8000",
  MINI_COLLECTOR_CONTAINER_ID: ID,
  MINI_COLLECTOR_ENVIRONMENT_NAME: "production",
  MINI_COLLECTOR_SERVICE_NAME: "web",
  MINI_COLLECTOR_CGROUP_PATH: "/host/cgroup",
};

function rejects(values: Record<string, string | undefined>, variable: string, problem: RegExp) {
  assert.throws(
    () => collectorConfig(envFrom({ ...REQUIRED, ...values })),
    (error: unknown) =>
      error instanceof ConfigError && error.variable === variable && problem.test(error.message) &&
      error.message.includes(`(example: ${variable}=`),
  );
}

Deno.test("collector defaults follow the Go original", () => {
  const config = collectorConfig(envFrom(REQUIRED));
  assert.ok(config.mode === "container", "container mode is the default");
  assert.deepEqual(config.remoteAddresses, [{ host: "aggregator", port: 8000 }]);
  assert.equal(config.hostName, "0123456789ab");
  assert.equal(config.pollIntervalMs, 30_000);
  assert.equal(config.mountPath, undefined);
  assert.equal(config.app, undefined);
  assert.equal(config.protocol, "grpc");
  assert.equal(config.queueSize, 10);
  assert.equal(config.publishTimeoutMs, 4_000);
  assert.equal(config.debug, false);
  assert.equal(config.tls, undefined);
});

Deno.test("collector reads every optional variable", () => {
  const config = collectorConfig(envFrom({
    ...REQUIRED,
    MINI_COLLECTOR_APP_NAME: "shop",
    MINI_COLLECTOR_DATABASE_NAME: "orders",
    MINI_COLLECTOR_MOUNT_PATH: "/data/",
    MINI_COLLECTOR_POLL_INTERVAL: "1m30s",
    MINI_COLLECTOR_CGROUP_RELATIVE_PATH: "/system.slice/docker-x.scope",
    MINI_COLLECTOR_PROTOCOL: "connect",
    MINI_COLLECTOR_QUEUE_SIZE: "50",
    MINI_COLLECTOR_DEBUG: "",
    MINI_COLLECTOR_MODE: "container",
  }));
  assert.ok(config.mode === "container");
  assert.equal(config.app, "shop");
  assert.equal(config.database, "orders");
  assert.equal(config.mountPath, "/data/");
  assert.equal(config.pollIntervalMs, 90_000);
  assert.equal(config.cgroupRelativePath, "system.slice/docker-x.scope");
  assert.equal(config.protocol, "connect");
  assert.equal(config.queueSize, 50);
  assert.equal(config.debug, true);
});

Deno.test("the remote address may list several aggregators, in order", () => {
  const config = collectorConfig(envFrom({
    ...REQUIRED,
    MINI_COLLECTOR_REMOTE_ADDRESS: "agg-1:8000, 10.0.0.7:9000,[::1]:8000",
  }));
  assert.deepEqual(config.remoteAddresses, [
    { host: "agg-1", port: 8000 },
    { host: "10.0.0.7", port: 9000 },
    { host: "[::1]", port: 8000 },
  ]);
});

Deno.test("a bad entry of the aggregator list is named with its position", () => {
  const variable = "MINI_COLLECTOR_REMOTE_ADDRESS";
  rejects({ [variable]: "agg-1:8000,agg-2" }, variable, /entry 2 of the list "agg-2" is not/);
  rejects({ [variable]: "agg-1:8000,agg-2:0" }, variable, /entry 2 of the list "agg-2:0" is not/);
  rejects({ [variable]: "agg-1:8000,,agg-2:8000" }, variable, /entry 2 of the list is empty/);
  rejects({ [variable]: "agg-1:8000," }, variable, /entry 2 of the list is empty/);
  rejects({ [variable]: "a:1,b:2,a:1" }, variable, /"a:1" is listed more than once/);
});

Deno.test("each bad collector value names its variable", () => {
  rejects(
    { MINI_COLLECTOR_REMOTE_ADDRESS: undefined },
    "MINI_COLLECTOR_REMOTE_ADDRESS",
    /required/,
  );
  rejects(
    { MINI_COLLECTOR_REMOTE_ADDRESS: "aggregator" },
    "MINI_COLLECTOR_REMOTE_ADDRESS",
    /host:port/,
  );
  rejects(
    { MINI_COLLECTOR_REMOTE_ADDRESS: "a:70000" },
    "MINI_COLLECTOR_REMOTE_ADDRESS",
    /host:port/,
  );
  rejects({ MINI_COLLECTOR_CONTAINER_ID: "abc" }, "MINI_COLLECTOR_CONTAINER_ID", /64-character/);
  rejects({ MINI_COLLECTOR_ENVIRONMENT_NAME: "" }, "MINI_COLLECTOR_ENVIRONMENT_NAME", /required/);
  rejects({ MINI_COLLECTOR_SERVICE_NAME: undefined }, "MINI_COLLECTOR_SERVICE_NAME", /required/);
  rejects({ MINI_COLLECTOR_POLL_INTERVAL: "30" }, "MINI_COLLECTOR_POLL_INTERVAL", /not a duration/);
  rejects({ MINI_COLLECTOR_POLL_INTERVAL: "-5s" }, "MINI_COLLECTOR_POLL_INTERVAL", /negative/);
  rejects(
    { MINI_COLLECTOR_POLL_INTERVAL: "0s" },
    "MINI_COLLECTOR_POLL_INTERVAL",
    /longer than zero/,
  );
  rejects({ MINI_COLLECTOR_MOUNT_PATH: "data" }, "MINI_COLLECTOR_MOUNT_PATH", /absolute/);
  rejects({ MINI_COLLECTOR_QUEUE_SIZE: "ten" }, "MINI_COLLECTOR_QUEUE_SIZE", /whole number/);
  rejects({ MINI_COLLECTOR_QUEUE_SIZE: "0" }, "MINI_COLLECTOR_QUEUE_SIZE", /outside/);
  rejects({ MINI_COLLECTOR_PROTOCOL: "http" }, "MINI_COLLECTOR_PROTOCOL", /grpc, connect/);
  rejects(
    { MINI_COLLECTOR_CGROUP_RELATIVE_PATH: "../../etc" },
    "MINI_COLLECTOR_CGROUP_RELATIVE_PATH",
    /below the root/,
  );
  rejects({ MINI_COLLECTOR_TLS: "1" }, "MINI_COLLECTOR_TLS_CERTIFICATE", /required/);
});

Deno.test("a cgroup root under /sys or /proc fails with the fix", () => {
  for (const root of [undefined, "/sys/fs/cgroup", "/proc/1/root/sys/fs/cgroup", "/sys"]) {
    rejects(
      { MINI_COLLECTOR_CGROUP_PATH: root },
      "MINI_COLLECTOR_CGROUP_PATH",
      /--allow-all.*expose-cgroup\.sh \/run\/mini-collector\/cgroup/,
    );
  }
  assert.equal(collectorConfig(envFrom(REQUIRED)).cgroupRoot, "/host/cgroup");
  const config = collectorConfig(envFrom({ ...REQUIRED, MINI_COLLECTOR_CGROUP_PATH: "/system" }));
  assert.equal(config.cgroupRoot, "/system");
});

const HOST = {
  MINI_COLLECTOR_MODE: "host",
  MINI_COLLECTOR_REMOTE_ADDRESS: "aggregator:8000",
  MINI_COLLECTOR_CGROUP_PATH: "/host/cgroup",
};

function hostRejects(
  values: Record<string, string | undefined>,
  variable: string,
  problem: RegExp,
) {
  rejects({ ...HOST, MINI_COLLECTOR_CONTAINER_ID: undefined, ...values }, variable, problem);
}

Deno.test("host mode: no container id, names optional, Docker's root and the label prefix", () => {
  const config = collectorConfig(envFrom(HOST));
  assert.deepEqual(config, {
    mode: "host",
    remoteAddresses: [{ host: "aggregator", port: 8000 }],
    protocol: "grpc",
    cgroupRoot: "/host/cgroup",
    runtime: "auto",
    dockerRoot: "/var/lib/docker",
    labelPrefix: "mini-collector.",
    defaultEnvironment: undefined,
    defaultService: undefined,
    criSocket: "/run/containerd/containerd.sock",
    kubernetesTags: DEFAULT_KUBERNETES_TAGS,
    pollIntervalMs: 30_000,
    queueSize: 10_000,
    publishTimeoutMs: 4_000,
    debug: false,
    jsonLogs: false,
    tls: undefined,
  });
  const named = collectorConfig(envFrom({
    ...HOST,
    MINI_COLLECTOR_CONTAINER_ID: "not read in host mode",
    MINI_COLLECTOR_ENVIRONMENT_NAME: "production",
    MINI_COLLECTOR_SERVICE_NAME: "web",
    MINI_COLLECTOR_DOCKER_ROOT: "/host/docker/",
    MINI_COLLECTOR_LABEL_PREFIX: "com.example.metrics.",
    MINI_COLLECTOR_QUEUE_SIZE: "500",
  }));
  assert.ok(named.mode === "host");
  assert.deepEqual(
    [named.defaultEnvironment, named.defaultService, named.dockerRoot, named.labelPrefix],
    ["production", "web", "/host/docker/", "com.example.metrics."],
  );
  assert.equal(named.queueSize, 500);
});

Deno.test("a mode other than container or host is refused, naming both", () => {
  for (const mode of ["hosts", "Host", "sidecar"]) {
    rejects({ MINI_COLLECTOR_MODE: mode }, "MINI_COLLECTOR_MODE", /is not one of container, host/);
  }
});

Deno.test("host mode: MINI_COLLECTOR_HOST_RUNTIME names a runtime or auto", () => {
  const runtime = (value: string) =>
    (collectorConfig(envFrom({ ...HOST, MINI_COLLECTOR_HOST_RUNTIME: value })) as HostModeConfig)
      .runtime;
  assert.equal(runtime("docker"), "docker");
  assert.equal(runtime("containerd"), "containerd");
  assert.equal(runtime(""), "auto");
  for (const value of ["Docker", "cri-o", "podman"]) {
    hostRejects(
      { MINI_COLLECTOR_HOST_RUNTIME: value },
      "MINI_COLLECTOR_HOST_RUNTIME",
      /is not one of docker, containerd, auto/,
    );
  }
});

Deno.test("host mode refuses a relative Docker root and one-container variables", () => {
  hostRejects(
    { MINI_COLLECTOR_DOCKER_ROOT: "var/lib/docker" },
    "MINI_COLLECTOR_DOCKER_ROOT",
    /absolute/,
  );
  hostRejects(
    { MINI_COLLECTOR_CRI_SOCKET: "containerd.sock" },
    "MINI_COLLECTOR_CRI_SOCKET",
    /absolute/,
  );
  for (
    const name of [
      "MINI_COLLECTOR_APP_NAME",
      "MINI_COLLECTOR_DATABASE_NAME",
      "MINI_COLLECTOR_MOUNT_PATH",
      "MINI_COLLECTOR_CGROUP_RELATIVE_PATH",
    ]
  ) {
    hostRejects({ [name]: "/x" }, name, /not used when MINI_COLLECTOR_MODE=host/);
  }
  hostRejects(
    { MINI_COLLECTOR_CGROUP_PATH: "/sys/fs/cgroup" },
    "MINI_COLLECTOR_CGROUP_PATH",
    /--allow-all/,
  );
  hostRejects(
    { MINI_COLLECTOR_REMOTE_ADDRESS: undefined },
    "MINI_COLLECTOR_REMOTE_ADDRESS",
    /required/,
  );
});
