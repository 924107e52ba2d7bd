/**
 * The real collector (collector/main.ts under its declared permission set)
 * publishing to an in-test aggregator over real sockets, reading a copy of a
 * cgroup fixture captured on this machine that the test advances from its
 * first to its second snapshot while the collector runs; also an outage, refusals
 * and mutual TLS with the Connect protocol.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { advanceTo, copyFixture } from "./support/cgroup_fixture_copy.ts";
import { readCapture } from "./support/cgroup_fixtures.ts";
import { makePki } from "./support/certs.ts";
import { CollectorProcess } from "./support/collector_process.ts";
import { PublishServer } from "./support/publish_server.ts";

const FIXTURE = "v1-cgroupfs";
const { containerId } = await readCapture(FIXTURE);
const MIB = 1024n * 1024n;

interface Setup {
  root: string;
  volume: string;
  env: (remoteAddress: string, extra?: Record<string, string>) => Record<string, string>;
  [Symbol.asyncDispose](): Promise<void>;
}

async function setup(): Promise<Setup> {
  const root = await copyFixture(FIXTURE, "t0");
  const volume = await Deno.makeTempDir({ prefix: "mini-collector-volume-" });
  return {
    root,
    volume,
    env: (remoteAddress, extra = {}) => ({
      MINI_COLLECTOR_REMOTE_ADDRESS: remoteAddress,
      MINI_COLLECTOR_CONTAINER_ID: containerId,
      MINI_COLLECTOR_ENVIRONMENT_NAME: "staging",
      MINI_COLLECTOR_SERVICE_NAME: "web",
      MINI_COLLECTOR_APP_NAME: "shop",
      MINI_COLLECTOR_DATABASE_NAME: "orders",
      MINI_COLLECTOR_CGROUP_PATH: root,
      MINI_COLLECTOR_MOUNT_PATH: volume,
      MINI_COLLECTOR_POLL_INTERVAL: "500ms",
      ...extra,
    }),
    async [Symbol.asyncDispose]() {
      await Deno.remove(root, { recursive: true });
      await Deno.remove(volume, { recursive: true });
    },
  };
}

async function cgroupNumber(root: string, controller: string, file: string): Promise<bigint> {
  return BigInt(
    (await Deno.readTextFile(join(root, controller, "docker", containerId, file))).trim(),
  );
}

/** df's size of the filesystem holding `path`, MiB. */
async function dfSizeMb(path: string): Promise<bigint> {
  const output = await new Deno.Command("df", {
    args: ["-B1", "--output=size", path],
    stdout: "piped",
  }).output();
  return BigInt(new TextDecoder().decode(output.stdout).trim().split("\n")[1].trim()) / MIB;
}

Deno.test("the collector publishes points with every tag and the cgroup's values, and exits 0 on SIGTERM", async () => {
  await using fixture = await setup();
  const server = await PublishServer.start();
  const started = Math.floor(Date.now() / 1000);
  const collector = new CollectorProcess(fixture.env(server.address));
  try {
    await server.waitForPoints(2, 20_000);
    const t0Memory = await cgroupNumber(fixture.root, "memory", "memory.usage_in_bytes");
    await advanceTo(fixture.root, FIXTURE, "t1");
    const t1Memory = await cgroupNumber(fixture.root, "memory", "memory.usage_in_bytes");
    const seen = server.received.length;
    await server.waitForPoints(seen + 3, 20_000);
    assert.equal(await collector.stop("SIGTERM"), 0, collector.stderr);
    const stopped = Math.ceil(Date.now() / 1000);

    const limitMb = await dfSizeMb(fixture.volume);
    const memoryLimitMb = await cgroupNumber(fixture.root, "memory", "memory.limit_in_bytes") /
      MIB;
    let previousTime = 0n;
    for (const { request, headers, contentType } of server.received) {
      assert.equal(contentType, "application/grpc+proto");
      assert.deepEqual(
        [headers.environment, headers.service, headers.container, headers.host_name, headers.host],
        ["staging", "web", containerId, containerId.slice(0, 12), containerId.slice(0, 12)],
      );
      assert.deepEqual([headers.app, headers.database], ["shop", "orders"]);
      assert.ok(request.unixTime >= BigInt(started) && request.unixTime <= BigInt(stopped));
      assert.ok(request.unixTime >= previousTime, "points arrive in order");
      previousTime = request.unixTime;
      assert.equal(request.running, true);
      assert.ok([t0Memory / MIB, t1Memory / MIB].includes(request.memoryTotalMb));
      assert.equal(request.memoryLimitMb, memoryLimitMb);
      assert.equal(request.diskLimitMb, limitMb);
      assert.ok(request.diskUsageMb > 0n && request.diskUsageMb <= limitMb);
    }
    // The counters moved between the snapshots: a CPU rate, over the real time between polls.
    assert.ok(
      server.received.slice(seen).some(({ request }) => request.milliCpuUsage > 0n),
      "a point after the counters advanced shows CPU use",
    );
    assert.match(collector.stderr, /collector starting: "grpc" to "http:\/\/127\.0\.0\.1:\d+"/);
    assert.match(collector.stderr, /SIGTERM.*stopping/);
    assert.match(
      collector.stderr,
      /stopped: \d+ delivered, 0 refused, 0 dropped, nothing left unsent/,
    );
  } finally {
    await collector.stop("SIGKILL");
    await server.close();
  }
});

Deno.test("with the aggregator down at first, points are queued and delivered once it is up", async () => {
  await using fixture = await setup();
  const probe = await PublishServer.start();
  const port = probe.port;
  await probe.close();
  // Debug logs show each retry with the queue's length.
  const collector = new CollectorProcess(
    fixture.env(`127.0.0.1:${port}`, { MINI_COLLECTOR_DEBUG: "" }),
  );
  let server: PublishServer | undefined;
  try {
    await collector.waitForLog(/failed, will retry/, 20_000);
    await collector.waitForLog(/\((?:[3-9]|10) queued\)/, 20_000);
    const upAt = Math.floor(Date.now() / 1000);
    server = await PublishServer.start({ port });
    const points = await server.waitForPoints(4, 20_000);
    const times = points.map(({ request }) => request.unixTime);
    assert.ok(
      times[0] < BigInt(upAt),
      "the first point delivered was sampled while the server was down",
    );
    assert.deepEqual(times, [...times].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    assert.equal(await collector.stop("SIGTERM"), 0, collector.stderr);
    assert.match(collector.stderr, /aggregator reachable again after \d+ failed attempts/);
  } finally {
    await collector.stop("SIGKILL");
    await server?.close();
  }
});

for (const batch of [true, false]) {
  Deno.test(
    `points the aggregator refuses are logged with its message and dropped; the collector goes on (${
      batch ? "PublishBatch" : "Publish only"
    })`,
    async () => {
      await using fixture = await setup();
      const server = await PublishServer.start({ batch });
      server.failWith = () =>
        new ConnectError("tag environment: value too long", Code.InvalidArgument);
      const collector = new CollectorProcess(fixture.env(server.address));
      try {
        await collector.waitForLog(/refused so far.*\n(.*\n)*.*2 refused so far/, 20_000);
        assert.equal(await collector.stop("SIGTERM"), 0, collector.stderr);
        assert.match(
          collector.stderr,
          batch
            ? /\[ERR\] .*the aggregator refused the point of \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ from container "[0-9a-f]{64}", dropping it: "tag environment: value too long"/
            : /\[ERR\] .*the aggregator refused the point of \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, dropping it: "\[invalid_argument\] tag environment: value too long"/,
        );
        assert.equal(server.received.length, 0);
        if (!batch) assert.ok(server.refusedCalls >= 2);
        assert.match(collector.stderr, /stopped: 0 delivered, \d+ refused/);
      } finally {
        await collector.stop("SIGKILL");
        await server.close();
      }
    },
  );
}

Deno.test("over mutual TLS, with the Connect protocol when asked", async () => {
  await using fixture = await setup();
  const pki = await makePki();
  const server = await PublishServer.startMutualTls(pki);
  const collector = new CollectorProcess(fixture.env(server.address, {
    MINI_COLLECTOR_PROTOCOL: "connect",
    MINI_COLLECTOR_TLS: "",
    MINI_COLLECTOR_TLS_CERTIFICATE: pki.clientCertificate,
    MINI_COLLECTOR_TLS_KEY: pki.clientKey,
    MINI_COLLECTOR_TLS_CA_CERTIFICATE: pki.caCertificate,
  }));
  try {
    const [first] = await server.waitForPoints(1, 20_000);
    assert.equal(first.contentType, "application/proto");
    assert.equal(first.headers.container, containerId);
    assert.equal(await collector.stop("SIGTERM"), 0, collector.stderr);
    assert.match(collector.stderr, /"connect" to "https:\/\/127\.0\.0\.1:\d+" \(mutual TLS "on"\)/);
    assert.doesNotMatch(collector.stderr, /BEGIN/, "no PEM text in the log");
  } finally {
    await collector.stop("SIGKILL");
    await server.close();
  }
});
