/**
 * The real collector in host mode (collector/main.ts under the flags
 * shared/permissions derives for MINI_COLLECTOR_MODE=host) against the real
 * aggregator and its stdout sink: a cgroup tree built from a real fixture
 * holding several Docker containers, their configs copied from the Docker
 * fixtures. Every container's points arrive with its own tags, several per
 * call (PublishBatch); a container whose cgroup goes away gets exactly one
 * running=false point. Under the same flags the process can read the cgroup
 * root and `<docker root>/containers` and reach the aggregator, and nothing
 * else: not `<docker root>/image`, not /etc/passwd, not another port. On
 * containerd it may connect to the CRI socket and to no other unix socket.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { AggregatorProcess } from "./support/aggregator.ts";
import { ContainerTree } from "./support/cgroup_container_tree.ts";
import { collectorFlags, CollectorProcess, denoCommand } from "./support/collector_process.ts";
import { DOCKER_CONTAINERS, dockerRoot } from "./support/docker_root.ts";
import { COLLECTOR_PROBE_ANSWERS, PROBE } from "./support/collector_probe.ts";

const UNIX_PROBE = new URL("./support/unix_socket_probe.ts", import.meta.url).pathname;

const { web: WEB, worker: WORKER, ordersDb: ORDERS_DB, garbage: GARBAGE } = DOCKER_CONTAINERS;

const { cgroupfs, systemd } = ContainerTree.layouts;

function hostEnv(cgroupRoot: string, docker: string, remoteAddress: string) {
  return {
    MINI_COLLECTOR_MODE: "host",
    MINI_COLLECTOR_REMOTE_ADDRESS: remoteAddress,
    MINI_COLLECTOR_CGROUP_PATH: cgroupRoot,
    MINI_COLLECTOR_DOCKER_ROOT: docker,
    MINI_COLLECTOR_ENVIRONMENT_NAME: "fleet",
    MINI_COLLECTOR_POLL_INTERVAL: "500ms",
    MINI_COLLECTOR_DEBUG: "",
  };
}

interface StdoutPoint {
  unix_time: number;
  tags: Record<string, string>;
  metrics: Record<string, number>;
}

Deno.test("host mode: every container's points reach the aggregator with its own tags, in batches; a vanished one ends with one running=false point", async () => {
  await using tree = await ContainerTree.create("v2-cgroupfs");
  await tree.add(cgroupfs(WEB));
  await tree.add(systemd(WORKER));
  await tree.add(cgroupfs(ORDERS_DB));
  await tree.add(cgroupfs(GARBAGE));
  const docker = await dockerRoot();
  const aggregator = await AggregatorProcess.start();
  const collector = new CollectorProcess(
    hostEnv(tree.root, docker, `127.0.0.1:${aggregator.port}`),
  );
  const points = () => aggregator.points() as unknown as StdoutPoint[];
  const of = (id: string) => points().filter((point) => point.tags.container === id);
  try {
    await aggregator.waitFor(
      () => [WEB, WORKER, ORDERS_DB].every((id) => of(id).length >= 3),
      30_000,
      "three points of each container",
    );
    await tree.remove(systemd(WORKER));
    await aggregator.waitFor(
      () => of(WORKER).some((point) => point.metrics.running === 0),
      10_000,
      "the vanished container's running=false point",
    );
    const webSoFar = of(WEB).length;
    await aggregator.waitFor(() => of(WEB).length >= webSoFar + 3, 10_000, "three more polls");
    assert.equal(await collector.stop("SIGTERM"), 0, collector.stderr);

    const expected: Record<string, Record<string, string>> = {
      [WEB]: { environment: "production", service: "web", app: "shop" },
      [WORKER]: { environment: "fleet", service: "worker", app: "shop" },
      [ORDERS_DB]: { environment: "staging", service: "postgres", database: "orders" },
    };
    for (const [id, labels] of Object.entries(expected)) {
      for (const point of of(id)) {
        assert.deepEqual(point.tags, { ...labels, container: id, host_name: id.slice(0, 12) });
        assert.deepEqual(
          [point.metrics.disk_usage_mb, point.metrics.disk_limit_mb],
          [-1, -1],
          "disk fields unknown",
        );
      }
    }
    const containers = new Set(points().map((point) => point.tags.container));
    assert.deepEqual([...containers].sort(), [ORDERS_DB, WEB, WORKER].sort());
    assert.ok(of(WEB).every((point) => point.metrics.running === 1));

    const worker = of(WORKER).toSorted((a, b) => a.unix_time - b.unix_time);
    const stopped = worker.filter((point) => point.metrics.running === 0);
    assert.equal(stopped.length, 1, "exactly one running=false point");
    assert.equal(worker.at(-1), stopped[0], "nothing after it");
    const { running: _, disk_usage_mb, disk_limit_mb, ...others } = stopped[0].metrics;
    assert.deepEqual([disk_usage_mb, disk_limit_mb], [-1, -1]);
    assert.deepEqual(Object.values(others).filter((value) => value !== 0), [], "all others 0");

    // Several points per call: only PublishBatch carries more than one.
    assert.match(collector.stderr, /published [2-9]\d* points sampled/);
    assert.doesNotMatch(collector.stderr, /does not take batches/);
    assert.match(
      collector.stderr,
      new RegExp(
        `"host" mode, cgroup root "${tree.root}", every "docker" container below it, tagged from ` +
          `"labels mini-collector\\.\\* in ${docker}/containers`,
      ),
    );
    assert.equal(collector.stderr.match(new RegExp(`"${GARBAGE}" skipped`, "g"))?.length, 1);
    assert.match(collector.stderr, new RegExp(`"${WORKER}" is gone`));
  } finally {
    await collector.stop("SIGKILL");
    await aggregator.close();
    await Deno.remove(docker, { recursive: true });
  }
});

function listener(): { address: string; close(): void } {
  const listening = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return {
    address: `127.0.0.1:${(listening.addr as Deno.NetAddr).port}`,
    close: () => listening.close(),
  };
}

Deno.test("under host mode's flags: the cgroup root, <docker root>/containers and the aggregator yes; <docker root>/image, /etc/passwd, another port no", async () => {
  await using tree = await ContainerTree.create("v2-cgroupfs");
  const docker = await dockerRoot();
  const aggregator = listener();
  const other = listener();
  try {
    const env = hostEnv(tree.root, docker, aggregator.address);
    const flags = collectorFlags(env);
    assert.deepEqual(flags.filter((flag) => flag.startsWith("--allow-sys")), [
      "--allow-sys=statfs",
    ]);
    const probe = async (allowedDir: string, forbiddenFile: string) => {
      const output = await denoCommand(flags, PROBE, env, [
        allowedDir,
        aggregator.address,
        forbiddenFile,
        other.address,
      ]).output();
      assert.ok(output.success, new TextDecoder().decode(output.stderr));
      return JSON.parse(new TextDecoder().decode(output.stdout));
    };
    const denied = COLLECTOR_PROBE_ANSWERS;
    assert.deepEqual(await probe(tree.root, "/etc/passwd"), denied);
    assert.deepEqual(
      await probe(
        join(docker, "containers"),
        join(docker, "image", "overlay2", "repositories.json"),
      ),
      denied,
    );
  } finally {
    aggregator.close();
    other.close();
    await Deno.remove(docker, { recursive: true });
  }
});

Deno.test("under host mode's flags on containerd: the CRI socket yes; another unix socket and Docker's configs no", async () => {
  await using tree = await ContainerTree.create("v2-cgroupfs");
  const directory = await Deno.makeTempDir({ prefix: "mini-collector-cri-flags-" });
  const [cri, other] = ["cri.sock", "other.sock"].map((name) => join(directory, name));
  const listeners = [cri, other].map((path) => Deno.listen({ transport: "unix", path }));
  const aggregator = listener();
  try {
    const env = {
      MINI_COLLECTOR_MODE: "host",
      MINI_COLLECTOR_HOST_RUNTIME: "containerd",
      MINI_COLLECTOR_REMOTE_ADDRESS: aggregator.address,
      MINI_COLLECTOR_CGROUP_PATH: tree.root,
      MINI_COLLECTOR_CRI_SOCKET: cri,
    };
    const output = await denoCommand(collectorFlags(env), UNIX_PROBE, env, [cri, other]).output();
    assert.ok(output.success, new TextDecoder().decode(output.stderr));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(output.stdout)), {
      [cri]: "ok",
      [other]: "NotCapable",
    });
    const probed = await denoCommand(collectorFlags(env), PROBE, env, [
      tree.root,
      aggregator.address,
      "/var/lib/docker/containers",
      "127.0.0.1:1",
    ]).output();
    assert.deepEqual(
      JSON.parse(new TextDecoder().decode(probed.stdout)),
      COLLECTOR_PROBE_ANSWERS,
    );
  } finally {
    for (const listening of listeners) listening.close();
    aggregator.close();
    await Deno.remove(directory, { recursive: true });
  }
});
