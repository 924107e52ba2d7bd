/**
 * The capacity arithmetic against the figures of a real `deno task bench
 * ingest` run (the ingest section of .bench/results.json of 2026-11-29,
 * copied into the test): the cost model must reproduce both measured
 * workloads, and the plan must follow from it.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  callCost,
  DATADOG_LIMITS,
  datadogRequests,
  type Fleet,
  ingestFigures,
  plan,
  usPerPoint,
} from "./capacity.ts";

const level = (concurrentCalls: number, median: number) => ({
  concurrentCalls,
  serverCpuUsPerPoint: { median },
});
/** The run's gRPC medians (µs per point) at 1, 16 and 64 calls in flight. */
const RESULTS = {
  ingest: {
    grpc: { levels: [level(1, 827.5), level(16, 402.5), level(64, 412.5)] },
    batch: {
      body:
        "one PublishBatchRequest of 100 such points, each with the four required tags (27900 bytes)",
      grpc: { levels: [level(1, 35.8), level(16, 43), level(64, 47.3)] },
    },
  },
};

const FLEET: Fleet = {
  hosts: 10_000,
  containersPerHost: 50,
  pollSeconds: 30,
  utilisation: 0.5,
  spares: 1,
  spoolBytesPerPoint: 870,
  outageSeconds: 3_600,
  sidecarQueue: 10,
  hostQueue: 10_000,
  spoolCapBytes: 2 ** 30,
};

Deno.test("the figures are the busiest level's, and the call model reproduces both workloads", () => {
  const figures = ingestFigures(RESULTS);
  assert.deepEqual(figures, { publishUsPerPoint: 412.5, batchUsPerPoint: 47.3, batchPoints: 100 });
  const { perCallUs, perPointUs } = callCost(figures);
  assert.ok(Math.abs(perCallUs + perPointUs - 412.5) < 1e-9);
  assert.ok(Math.abs(perCallUs + 100 * perPointUs - 4730) < 1e-9);
  assert.ok(Math.abs(usPerPoint(figures, 100) - 47.3) < 1e-9);
  assert.ok(usPerPoint(figures, 50) > 47.3 && usPerPoint(figures, 50) < 412.5);
});

Deno.test("a bench file without the ingest section says which run to make", () => {
  assert.throws(() => ingestFigures({ machine: {} }), /deno task bench ingest/);
});

Deno.test("host and sidecar plans for 10,000 hosts × 50 containers at 30 s", () => {
  const figures = ingestFigures(RESULTS);
  const host = plan(FLEET, figures, "host");
  const sidecar = plan(FLEET, figures, "sidecar");
  for (const mode of [host, sidecar]) {
    assert.ok(Math.abs(mode.pointsPerSecond - 500_000 / 30) < 1e-6);
    assert.ok(Math.abs(mode.spoolBytes - (500_000 / 30) * 3_600 * 870) < 1);
  }
  assert.ok(Math.abs(host.callsPerSecond - 10_000 / 30) < 1e-6);
  // 16,667 points/s × 412.5 µs = 6.875 cores, at 50 % → 14, plus a spare.
  assert.equal(sidecar.aggregators, 15);
  assert.ok(Math.abs(sidecar.busyCores - 6.875) < 1e-9);
  assert.equal(host.aggregators, Math.ceil(host.busyCores / 0.5) + 1);
  assert.equal(host.aggregators, 3);
  assert.equal(host.queueBridgesSeconds, 200 * 30);
  assert.equal(sidecar.queueBridgesSeconds, 10 * 30);
  assert.ok(Math.abs(sidecar.spoolBytesPerAggregator - sidecar.spoolBytes / 14) < 1);
});

Deno.test("Datadog requests: the tighter of the compressed and raw limits sets points per request", () => {
  // v2: 512,000 / 132.3 = 3869.99 compressed, 5,242,880 / 1271.9 = 4122 raw.
  assert.deepEqual(datadogRequests(3869, DATADOG_LIMITS.v2, 132.3, 1271.9), {
    pointsPerRequest: 3869,
    requestsPerSecond: 1,
  });
  // Raw-bound when the payload compresses well.
  assert.equal(datadogRequests(1, DATADOG_LIMITS.v2, 10, 1271.9).pointsPerRequest, 4122);
});
