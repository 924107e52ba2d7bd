/**
 * `--check` on the real collector under its own permission set: one sample
 * printed as the aggregator would store it, the aggregator's answer to a
 * PublishBatch of zero points (batch-capable, Publish-only as the Go
 * original, or unreachable), host mode's containers with their tags or skip
 * reasons, and the exit status.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { copyFixture } from "./support/cgroup_fixture_copy.ts";
import { readCapture } from "./support/cgroup_fixtures.ts";
import { ContainerTree } from "./support/cgroup_container_tree.ts";
import { COLLECTOR_ENTRY, collectorFlags, denoCommand } from "./support/collector_process.ts";
import { freePort } from "./support/aggregator.ts";
import { LiveCgroupHost, liveCgroupLayout } from "./support/live_cgroup.ts";
import { PublishServer } from "./support/publish_server.ts";

const FIXTURE = "v1-cgroupfs";
const { containerId } = await readCapture(FIXTURE);
const DOCKER_FIXTURES = fileURLToPath(new URL("./fixtures/docker/containers/", import.meta.url));
const WEB = "8b66c5023cd1123a48b273564d74a6cc9cdc9166d8d5cd3a4735e1743c849ee1";
const GARBAGE = "540effbf2c895760c12a728791ab236eb60d1262f9ad0d0abb52c9df2c7974b3";

async function check(env: Record<string, string>) {
  const output = await denoCommand(collectorFlags(env), COLLECTOR_ENTRY, env, ["--check"])
    .output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** The JSON object printed after the line naming `container`. */
function printedPoint(stdout: string, container: string) {
  const start = stdout.indexOf(`OK   sample of ${container}`);
  assert.ok(start >= 0, stdout);
  const json = stdout.slice(stdout.indexOf("{", start));
  return JSON.parse(json.slice(0, json.indexOf("\n}") + 2));
}

Deno.test("--check prints the sample as stored and how each aggregator answers", async () => {
  const root = await copyFixture(FIXTURE, "t0");
  const batching = await PublishServer.start();
  const publishOnly = await PublishServer.start({ batch: false });
  const env = (remote: string) => ({
    MINI_COLLECTOR_REMOTE_ADDRESS: remote,
    MINI_COLLECTOR_CONTAINER_ID: containerId,
    MINI_COLLECTOR_ENVIRONMENT_NAME: "staging",
    MINI_COLLECTOR_SERVICE_NAME: "web",
    MINI_COLLECTOR_CGROUP_PATH: root,
    MINI_COLLECTOR_POLL_INTERVAL: "200ms",
  });
  try {
    const passed = await check(env(`${batching.address},${publishOnly.address}`));
    console.log(passed.stdout);
    assert.equal(passed.code, 0, passed.stdout + passed.stderr);
    const point = printedPoint(passed.stdout, containerId);
    assert.deepEqual(point.tags, {
      environment: "staging",
      service: "web",
      container: containerId,
      host_name: containerId.slice(0, 12),
    });
    assert.equal(point.metrics.running, 1);
    const pids = Number(
      (await Deno.readTextFile(join(root, "pids", "docker", containerId, "pids.current"))).trim(),
    );
    assert.equal(point.metrics.pids_current, pids);
    assert.equal(point.metrics.disk_usage_mb, -1);
    assert.match(
      passed.stdout,
      new RegExp(
        `^OK {3}aggregator http://${batching.address} \\(grpc, mutual TLS off\\): PublishBatch supported$`,
        "m",
      ),
    );
    assert.match(
      passed.stdout,
      new RegExp(
        `^OK {3}aggregator http://${publishOnly.address} \\(grpc, mutual TLS off\\): Publish only \\(Go aggregator\\)$`,
        "m",
      ),
    );
    assert.match(passed.stdout, /^check passed$/m);
    assert.equal(batching.received.length + publishOnly.received.length, 0, "nothing published");

    const down = `127.0.0.1:${freePort()}`;
    const failed = await check(env(down));
    console.log(failed.stdout);
    assert.equal(failed.code, 1);
    assert.match(
      failed.stdout,
      new RegExp(`^FAIL aggregator http://${down} \\(grpc, mutual TLS off\\): no answer`, "m"),
    );
    assert.match(failed.stdout, /^check failed: 1 problem$/m);
  } finally {
    await batching.close();
    await publishOnly.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("--check in host mode lists the containers sampled with their tags, those skipped with why, and counts the unknown cgroups once", async () => {
  await using tree = await ContainerTree.create("v2-cgroupfs");
  await tree.add(ContainerTree.layouts.cgroupfs(WEB));
  await tree.add(ContainerTree.layouts.cgroupfs(GARBAGE));
  const docker = await Deno.makeTempDir({ prefix: "mini-collector-docker-" });
  for (const id of [WEB, GARBAGE]) {
    await Deno.mkdir(join(docker, "containers", id), { recursive: true });
    await Deno.copyFile(
      join(DOCKER_FIXTURES, id, "config.v2.json"),
      join(docker, "containers", id, "config.v2.json"),
    );
  }
  const server = await PublishServer.start();
  try {
    const { code, stdout, stderr } = await check({
      MINI_COLLECTOR_MODE: "host",
      MINI_COLLECTOR_REMOTE_ADDRESS: server.address,
      MINI_COLLECTOR_CGROUP_PATH: tree.root,
      MINI_COLLECTOR_DOCKER_ROOT: docker,
      MINI_COLLECTOR_ENVIRONMENT_NAME: "fleet",
      MINI_COLLECTOR_POLL_INTERVAL: "200ms",
    });
    console.log(stdout);
    assert.equal(code, 0, stdout + stderr);
    // The fixture's own container has no Docker config here: unknown to Docker, counted once.
    assert.match(
      stdout,
      /^host mode \(docker\): sampled 1, skipped 1, container cgroups unknown to docker 1$/m,
    );
    assert.match(stdout, new RegExp(`^SKIP ${GARBAGE}: .*config\\.v2\\.json: not JSON`, "m"));
    assert.equal(stdout.match(/^SKIP /gm)?.length, 1, "the unknown cgroup is no SKIP line");
    assert.match(
      stdout,
      /^NOTE unknown cgroups are not sampled; e\.g\. [0-9a-f]{64}: no .*config\.v2\.json$/m,
    );
    assert.doesNotMatch(stderr, /skipped|unknown to/, "--check prints them, the log does not");
    const point = printedPoint(stdout, WEB);
    assert.equal(point.tags.container, WEB);
    assert.equal(point.tags.service, "web");
  } finally {
    await server.close();
    await Deno.remove(docker, { recursive: true });
  }
});

const liveLayout = await liveCgroupLayout();

Deno.test({
  name: "--check reads twice one interval apart, so a busy container's CPU is not 0",
  ignore: typeof liveLayout !== "string",
  async fn() {
    const scratch = await Deno.makeTempDir({ prefix: "mini-collector-check-" });
    const host = await LiveCgroupHost.create(scratch);
    const server = await PublishServer.start();
    try {
      const { containerId } = await host.addContainer({
        memoryLimitMb: 64,
        pidsMax: 16,
        cpuLimitMilli: 300,
        workload: { spin: true },
      });
      const started = performance.now();
      const { code, stdout, stderr } = await check({
        MINI_COLLECTOR_REMOTE_ADDRESS: server.address,
        MINI_COLLECTOR_CONTAINER_ID: containerId,
        MINI_COLLECTOR_ENVIRONMENT_NAME: "staging",
        MINI_COLLECTOR_SERVICE_NAME: "spin",
        MINI_COLLECTOR_CGROUP_PATH: host.exposed,
        MINI_COLLECTOR_POLL_INTERVAL: "1s",
      });
      console.log(stdout);
      assert.equal(code, 0, stdout + stderr);
      assert.match(stdout, /^reading again in 1s \(MINI_COLLECTOR_POLL_INTERVAL\): CPU and I\/O/m);
      assert.ok(performance.now() - started >= 1000, "the second reading waited one interval");
      const { metrics } = printedPoint(stdout, containerId);
      // Spinning under a 300m quota: some CPU however busy the machine is, never more than the quota
      // (plus one 100 ms period a burst may take in a 1 s window).
      assert.ok(metrics.milli_cpu_usage > 0, `milli_cpu_usage ${metrics.milli_cpu_usage}`);
      assert.ok(metrics.milli_cpu_usage <= 400, `milli_cpu_usage ${metrics.milli_cpu_usage}`);
    } finally {
      await server.close();
      await host.remove();
      await Deno.remove(scratch, { recursive: true });
    }
  },
});
