import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Protocol } from "./config/mod.ts";
import { PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import { delay } from "../shared/async/mod.ts";
import { setupLogging } from "../shared/log.ts";
import type { TlsMaterial } from "../shared/tls.ts";
import { makePki } from "../tests/support/certs.ts";
import { PublishServer } from "../tests/support/publish_server.ts";
import { until, waitUntil } from "../tests/support/until.ts";
import { Publisher } from "./publisher.ts";
import { PointQueue } from "./queue.ts";
import type { Tags } from "./tags.ts";
import { connectAggregator } from "./transport.ts";

const T0 = 1_764_000_000;
const TAGS = { environment: "test", service: "web", host_name: "abc", host: "abc" };
const entry = (second: number, tags: Tags = TAGS) => ({
  tags,
  point: create(PublishRequestSchema, { unixTime: BigInt(T0 + second), running: true }),
});
const seconds = (server: PublishServer) =>
  server.received.map((p) => Number(p.request.unixTime) - T0);

function captureLogs(): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  setupLogging({ debug: false, json: true, write: (line) => records.push(JSON.parse(line)) });
  return records;
}

/** A publisher on a real connection to `port`, closed (drained, session ended) by `stop`. */
function publisherTo(
  port: number,
  protocol: Protocol = "grpc",
  tls?: TlsMaterial,
  probeIntervalMs?: number,
) {
  const connection = connectAggregator({
    remoteAddress: { host: tls ? "localhost" : "127.0.0.1", port },
    protocol,
    tls,
  });
  const queue = new PointQueue(10);
  const publisher = new Publisher(connection, queue, {
    callTimeoutMs: 2_000,
    backoff: { baseMs: 20, capMs: 100 },
    probeIntervalMs,
  });
  const stop = async (flushMs = 2_000) => {
    try {
      return await publisher.drain(flushMs);
    } finally {
      connection.close();
    }
  };
  return { queue, publisher, stop };
}

for (
  const [protocol, contentType] of [["grpc", "application/grpc+proto"], [
    "connect",
    "application/proto",
  ]]
) {
  Deno.test(`${protocol}: points arrive in order with their tags as metadata`, async () => {
    captureLogs();
    const server = await PublishServer.start();
    const { queue, publisher, stop } = publisherTo(server.port, protocol as Protocol);
    try {
      for (let second = 0; second < 3; second++) queue.push(entry(second));
      await server.waitForPoints(3, 10_000);
      assert.deepEqual(seconds(server), [0, 1, 2]);
      for (const received of server.received) {
        assert.equal(received.contentType, contentType);
        for (const [key, value] of Object.entries(TAGS)) {
          assert.equal(received.headers[key], value);
        }
      }
    } finally {
      assert.deepEqual(await stop(), []);
      assert.equal(publisher.delivered, 3);
      await server.close();
    }
  });
}

Deno.test("each point goes with its own tags, points of several containers interleaved", async () => {
  captureLogs();
  const server = await PublishServer.start();
  const { queue, stop } = publisherTo(server.port);
  const web = { ...TAGS, container: "a".repeat(64) };
  const worker = { ...TAGS, service: "worker", container: "b".repeat(64) };
  try {
    queue.push(entry(0, web));
    queue.push(entry(0, worker));
    queue.push(entry(1, web));
    await server.waitForPoints(3, 10_000);
    assert.deepEqual(
      server.received.map((
        r,
      ) => [Number(r.request.unixTime) - T0, r.headers.service, r.headers.container]),
      [[0, "web", web.container], [0, "worker", worker.container], [1, "web", web.container]],
    );
  } finally {
    assert.deepEqual(await stop(), []);
    await server.close();
  }
});

for (const batch of [true, false]) {
  const calls = batch ? "PublishBatch" : "Publish";

  Deno.test(`${calls}: a refused point is logged with the server's reason, counted and dropped; the others go`, async () => {
    const logs = captureLogs();
    const server = await PublishServer.start({ batch });
    server.failWith = (request) =>
      request.unixTime === BigInt(T0 + 1)
        ? new ConnectError("missing required tag: environment", Code.InvalidArgument)
        : undefined;
    const { queue, publisher, stop } = publisherTo(server.port);
    try {
      for (let second = 0; second < 3; second++) queue.push(entry(second));
      await server.waitForPoints(2, 10_000);
      assert.deepEqual(seconds(server), [0, 2]);
      assert.deepEqual(await stop(), []);
      assert.equal(publisher.refused, 1);
      assert.equal(publisher.delivered, 2);
      const errors = logs.filter((r) => r.level === "ERROR");
      assert.equal(errors.length, 1);
      assert.match(
        String(errors[0].message),
        /refused the point of "2025-11-24T16:00:01Z".*missing required tag: environment/,
      );
    } finally {
      await stop();
      await server.close();
    }
    // Not retried: one call per point point by point, or one entry rejected in a batch.
    assert.equal(server.calls.publish, batch ? 0 : 3);
    assert.equal(queue.length, 0);
  });

  Deno.test(`${calls}: transient errors are retried with the same points until accepted`, async () => {
    captureLogs();
    const server = await PublishServer.start({ batch });
    const transient = [Code.Unavailable, Code.ResourceExhausted, Code.Internal];
    const answered = () => server.calls.publish + server.calls.publishBatch;
    // The first three calls fail, each with its own code, whatever they carry.
    server.failWith = () => {
      const code = transient[answered() - 1];
      return code === undefined ? undefined : new ConnectError("busy", code);
    };
    const { queue, publisher, stop } = publisherTo(server.port);
    try {
      queue.push(entry(0));
      queue.push(entry(1));
      await server.waitForPoints(2, 10_000);
      assert.deepEqual(seconds(server), [0, 1]);
      assert.equal(server.refusedCalls, 3);
      assert.equal(publisher.refused, 0);
    } finally {
      await stop();
      await server.close();
    }
  });
}

Deno.test("with the aggregator down, points wait in the queue and go once it is up", async () => {
  const logs = captureLogs();
  const probe = await PublishServer.start();
  const port = probe.port;
  await probe.close();
  const { queue, stop } = publisherTo(port);
  let server: PublishServer | undefined;
  try {
    for (let second = 0; second < 3; second++) queue.push(entry(second));
    await delay(300);
    assert.equal(queue.length, 3);
    assert.ok(logs.some((r) => r.level === "WARN" && /will retry/.test(String(r.message))));
    server = await PublishServer.start({ port });
    await server.waitForPoints(3, 10_000);
    assert.deepEqual(seconds(server), [0, 1, 2]);
  } finally {
    await stop();
    await server?.close();
  }
});

Deno.test("drain gives up when its flush time is up and returns what is left unsent", async () => {
  captureLogs();
  const probe = await PublishServer.start();
  await probe.close();
  const { queue, stop } = publisherTo(probe.port);
  queue.push(entry(0));
  queue.push(entry(1));
  const started = performance.now();
  const left = await stop(300);
  assert.deepEqual(left.map((e) => Number(e.point.unixTime) - T0), [0, 1]);
  assert.ok(performance.now() - started < 5_000, "drain is bounded by its flush time");
});

Deno.test("mutual TLS: delivered with the configured client certificate", async () => {
  captureLogs();
  const pki = await makePki();
  const server = await PublishServer.startMutualTls(pki);
  const { queue, stop } = publisherTo(server.port, "grpc", {
    certificate: pki.clientCertificate,
    key: pki.clientKey,
    caCertificate: pki.caCertificate,
  });
  try {
    queue.push(entry(0));
    await server.waitForPoints(1, 10_000);
    assert.deepEqual(seconds(server), [0]);
  } finally {
    await stop();
    await server.close();
  }
});

Deno.test("mutual TLS: a certificate from another CA is refused by the server", async () => {
  const logs = captureLogs();
  const pki = await makePki();
  const server = await PublishServer.startMutualTls(pki);
  const { queue, stop } = publisherTo(server.port, "grpc", {
    certificate: pki.strangerCertificate,
    key: pki.strangerKey,
    caCertificate: pki.caCertificate,
  });
  try {
    queue.push(entry(0));
    await delay(500);
    assert.equal(server.received.length, 0);
    assert.equal(queue.length, 1, "kept for a retry, not dropped");
    assert.ok(logs.some((r) => r.level === "WARN" && /will retry/.test(String(r.message))));
  } finally {
    await stop(200);
    await server.close();
  }
});

Deno.test("after the aggregator restarts, the next points go over a new connection", async () => {
  captureLogs();
  const first = await PublishServer.start();
  const { queue, publisher, stop } = publisherTo(first.port);
  let second: PublishServer | undefined;
  try {
    queue.push(entry(0));
    await first.waitForPoints(1, 10_000);
    assert.ok(
      await until(() => publisher.delivered === 1, 10_000, 10),
      "the first call completed before the restart",
    );
    await first.close();
    queue.push(entry(1));
    second = await PublishServer.start({ port: first.port });
    queue.push(entry(2));
    await second.waitForPoints(2, 10_000);
    assert.deepEqual(seconds(second), [1, 2]);
  } finally {
    await stop();
    await second?.close();
  }
});

Deno.test("a backlog goes out in one PublishBatch call, each point with its own tags", async () => {
  captureLogs();
  const probe = await PublishServer.start();
  const port = probe.port;
  await probe.close();
  const { queue, publisher, stop } = publisherTo(port);
  const worker = { ...TAGS, service: "worker" };
  let server: PublishServer | undefined;
  try {
    for (let second = 0; second < 6; second++) {
      queue.push(entry(second, second % 2 ? worker : TAGS));
    }
    await delay(200); // the aggregator is down: the points wait
    server = await PublishServer.start({ port });
    await server.waitForPoints(6, 10_000);
    assert.deepEqual(seconds(server), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(server.received.map((r) => r.headers.service), [
      "web",
      "worker",
      "web",
      "worker",
      "web",
      "worker",
    ]);
    assert.equal(server.calls.publishBatch, 1);
    assert.equal(server.calls.publish, 0);
  } finally {
    await stop();
    await server?.close();
  }
  assert.equal(publisher.delivered, 6);
});

for (const protocol of ["grpc", "connect"] as const) {
  Deno.test(`${protocol}: an aggregator with Publish only gets one call per point, tags as metadata`, async () => {
    const logs = captureLogs();
    const server = await PublishServer.start({ batch: false });
    const { queue, publisher, stop } = publisherTo(server.port, protocol);
    try {
      for (let second = 0; second < 3; second++) queue.push(entry(second));
      await server.waitForPoints(3, 10_000);
      assert.deepEqual(seconds(server), [0, 1, 2]);
      for (const received of server.received) {
        for (const [key, value] of Object.entries(TAGS)) assert.equal(received.headers[key], value);
      }
    } finally {
      await stop();
      await server.close();
    }
    assert.equal(server.calls.publish, 3);
    assert.deepEqual(
      publisher.calls,
      { publish: 3, publishBatch: 1 },
      "probed once, then fell back",
    );
    assert.equal(publisher.delivered, 3);
    const fallback = logs.filter((r) => /does not take batches/.test(String(r.message)));
    assert.equal(fallback.length, 1);
    assert.match(String(fallback[0].message), /unimplemented/);
  });
}

Deno.test("after falling back, a batch is tried again and an upgraded aggregator gets batches", async () => {
  captureLogs();
  const old = await PublishServer.start({ batch: false });
  const port = old.port;
  const { queue, publisher, stop } = publisherTo(port, "grpc", undefined, 300);
  let upgraded: PublishServer | undefined;
  try {
    queue.push(entry(0));
    await waitUntil(() => publisher.delivered === 1, 10_000, "the first point delivered");
    await old.close();
    upgraded = await PublishServer.start({ port });
    await delay(400); // past the probe interval
    queue.push(entry(1));
    queue.push(entry(2));
    await upgraded.waitForPoints(2, 10_000);
    assert.deepEqual(seconds(upgraded), [1, 2]);
    assert.equal(upgraded.calls.publish, 0);
  } finally {
    await stop();
    await upgraded?.close();
  }
  assert.equal(publisher.delivered, 3);
});

Deno.test("an aggregator that takes less than a batch: calls shrink until they fit, nothing lost", async () => {
  captureLogs();
  const server = await PublishServer.start({ readMaxBytes: 700 });
  const { queue, publisher, stop } = publisherTo(server.port);
  try {
    for (let second = 0; second < 10; second++) queue.push(entry(second));
    await server.waitForPoints(10, 20_000);
    assert.deepEqual(seconds(server), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  } finally {
    await stop();
    await server.close();
  }
  assert.equal(publisher.delivered, 10);
  assert.equal(publisher.refused, 0);
  assert.ok(server.calls.publishBatch > 1, "split over several calls");
});
