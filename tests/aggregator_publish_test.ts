/**
 * The real aggregator, under its permission set, takes points over every
 * protocol it serves — gRPC, gRPC-Web and Connect binary on the node:http2
 * listener, Connect JSON from curl, Connect and gRPC-Web on the Deno.serve
 * listener — and prints each one on stdout with its tags and metrics. The
 * connect-es clients here are the point of the test, so they stay, under the
 * hard deadlines of tests/support/aggregator_clients.ts.
 */
import assert from "node:assert/strict";
import { AggregatorProcess, freePort } from "./support/aggregator.ts";
import { curlRequest } from "./support/aggregator_curl.ts";
import { GrpcPublisher } from "./support/grpc_publisher.ts";
import { type Protocol, PROTOCOLS, publishClient } from "./support/aggregator_clients.ts";
import { tagHeaders } from "./support/publish_tags.ts";

const NOW = Math.floor(Date.now() / 1000);

function pointsOf(aggregator: AggregatorProcess, container: string) {
  return aggregator.points().filter((point) =>
    (point.tags as Record<string, string>).container === container
  );
}

type Call = [baseUrl: string, protocol: Protocol];

/**
 * The real aggregator with both listeners, and a client for every protocol on
 * each: gRPC, gRPC-Web and Connect on the main port, Connect and gRPC-Web on
 * the Deno.serve one. Every client stays open until `body` has checked the
 * points, and all are closed at the end.
 */
async function withEveryProtocol(
  body: (
    aggregator: AggregatorProcess,
    calls: Call[],
    clients: ReturnType<typeof publishClient>[],
  ) => Promise<void>,
): Promise<void> {
  const connectPort = freePort();
  await using aggregator = await AggregatorProcess.start({
    env: { AGGREGATOR_CONNECT_LISTEN_ADDRESS: `127.0.0.1:${connectPort}` },
  });
  const calls: Call[] = [
    ...PROTOCOLS.map((protocol): Call => [aggregator.baseUrl, protocol]),
    [`http://127.0.0.1:${connectPort}`, "connect"],
    [`http://127.0.0.1:${connectPort}`, "grpc-web"],
  ];
  const clients = calls.map(([baseUrl, protocol]) => publishClient(baseUrl, protocol));
  try {
    await body(aggregator, calls, clients);
  } finally {
    await Promise.all(clients.map(({ close }) => close()));
  }
}

Deno.test("every protocol publishes points that reach stdout with tags and metrics", async () => {
  await withEveryProtocol(checkPublished);
});

async function checkPublished(
  aggregator: AggregatorProcess,
  calls: Call[],
  clients: ReturnType<typeof publishClient>[],
): Promise<void> {
  for (const [index, [, protocol]] of calls.entries()) {
    await clients[index].publish(
      {
        unixTime: BigInt(NOW - index),
        running: true,
        milliCpuUsage: BigInt(100 + index),
        diskUsageMb: -1n,
        cpuPressureSomeAvg10: 1.5,
      },
      tagHeaders(`${protocol}-${index}`, { app: "shop", ignored: "x" }),
    );
  }
  for (const [index, [, protocol]] of calls.entries()) {
    const container = `${protocol}-${index}`;
    await aggregator.waitFor(() => pointsOf(aggregator, container).length > 0, 10_000, container);
    const [point] = pointsOf(aggregator, container);
    assert.equal(point.unix_time, NOW - index);
    assert.equal(point.time, new Date((NOW - index) * 1000).toISOString().replace(".000Z", "Z"));
    assert.deepEqual(point.tags, {
      environment: "test",
      service: "web",
      container,
      host_name: container.slice(0, 12),
      app: "shop",
    });
    const metrics = point.metrics as Record<string, number>;
    assert.equal(metrics.running, 1);
    assert.equal(metrics.milli_cpu_usage, 100 + index);
    assert.equal(metrics.disk_usage_mb, -1);
    assert.equal(metrics.cpu_pressure_some_avg10, 1.5);
    assert.equal(metrics.memory_oom_kills, undefined);
  }
}

Deno.test("every protocol takes PublishBatch: valid entries stored, an invalid one rejected by index", async () => {
  await withEveryProtocol(async (aggregator, calls, clients) => {
    for (const [index, [, protocol]] of calls.entries()) {
      const container = `batch-${protocol}-${index}`;
      const { service: _, ...withoutService } = tagHeaders(container);
      const rejected = await clients[index].publishBatch({
        points: [
          { tags: tagHeaders(container), point: { unixTime: BigInt(NOW), milliCpuUsage: 7n } },
          { tags: withoutService, point: { unixTime: BigInt(NOW) } },
          { tags: tagHeaders(container), point: { unixTime: BigInt(NOW - 1), running: true } },
        ],
      });
      assert.deepEqual(
        rejected.map(({ index, reason }) => [index, reason]),
        [[1, `missing required tag: tag "service" is not set`]],
        protocol,
      );
      await aggregator.waitFor(
        () => pointsOf(aggregator, container).length === 2,
        10_000,
        `two points of ${container}`,
      );
      assert.deepEqual(pointsOf(aggregator, container).map((point) => point.unix_time).sort(), [
        NOW - 1,
        NOW,
      ]);
    }
  });
});

Deno.test("curl publishes a batch as Connect JSON over HTTP/2, host standing for host_name", async () => {
  await using aggregator = await AggregatorProcess.start();
  const tags = {
    environment: "prod",
    service: "db",
    container: "curl-batch",
    host: "0123456789ab",
  };
  const reply = await curlRequest(aggregator.baseUrl, {
    path: "/Aggregator/PublishBatch",
    headers: { "content-type": "application/json" },
    body: new TextEncoder().encode(JSON.stringify({
      points: [{ tags, point: { unixTime: String(NOW), memoryTotalMb: "512" } }],
    })),
  });
  assert.deepEqual([reply.status, new TextDecoder().decode(reply.body)], [200, "{}"]);
  await aggregator.waitFor(() => pointsOf(aggregator, "curl-batch").length > 0);
  const [point] = pointsOf(aggregator, "curl-batch");
  assert.equal((point.tags as Record<string, string>).host_name, "0123456789ab");
  assert.equal((point.metrics as Record<string, number>).memory_total_mb, 512);
});

Deno.test("curl publishes Connect JSON over HTTP/2", async () => {
  await using aggregator = await AggregatorProcess.start();
  const reply = await curlRequest(aggregator.baseUrl, {
    path: "/Aggregator/Publish",
    headers: {
      "content-type": "application/json",
      environment: "prod",
      service: "db",
      container: "curl-1",
      host_name: "0123456789ab",
    },
    body: new TextEncoder().encode(
      JSON.stringify({ unixTime: String(NOW), memoryTotalMb: "512", diskLimitMb: "-1" }),
    ),
  });
  assert.deepEqual([reply.status, new TextDecoder().decode(reply.body)], [200, "{}"]);
  await aggregator.waitFor(() => pointsOf(aggregator, "curl-1").length > 0);
  const [point] = pointsOf(aggregator, "curl-1");
  assert.deepEqual(point.tags, {
    environment: "prod",
    service: "db",
    container: "curl-1",
    host_name: "0123456789ab",
  });
  assert.equal((point.metrics as Record<string, number>).memory_total_mb, 512);
  assert.equal((point.metrics as Record<string, number>).disk_limit_mb, -1);
});

Deno.test("a gRPC client sending the 2021 `host` key gets it stored as host_name", async () => {
  await using aggregator = await AggregatorProcess.start();
  const client = GrpcPublisher.start(aggregator.address);
  try {
    const headers = {
      environment: "prod",
      service: "web",
      container: "go-2021",
      host: "abcdef012345",
    };
    await client.publishOk({ unixTime: BigInt(NOW) }, headers);
  } finally {
    await client.close();
  }
  await aggregator.waitFor(() => pointsOf(aggregator, "go-2021").length > 0);
  assert.equal(
    (pointsOf(aggregator, "go-2021")[0].tags as Record<string, string>).host_name,
    "abcdef012345",
  );
});
