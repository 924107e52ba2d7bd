/**
 * Tests of the remote-write body: decoded back with snappy and the generated
 * types, every series must have the expected name, sorted labels and samples.
 *
 * @module
 */
import assert from "node:assert/strict";
// @ts-types="@types/snappyjs"
import { uncompress } from "snappyjs";
import { fromBinary } from "@bufbuild/protobuf";
import { WriteRequestSchema } from "../../../shared/gen/prometheus/remote_pb.ts";
import type { Point } from "../../stored_point.ts";
import { encodeWriteRequest } from "./encode.ts";
import { containerPoints } from "../../../tests/support/points.ts";
import { writtenMetrics } from "../written_metrics.ts";

const web: Point["tags"] = {
  environment: "prod",
  service: "web",
  container: "0123456789ab",
  host_name: "0123456789ab",
  app: "",
};
const db: Point["tags"] = { ...web, service: "db", container: "ba9876543210", database: "pg" };

/** The request decoded back: labels as [name, value] pairs, samples as [ms, value]. */
function decode(points: readonly Point[], labels: Record<string, string> = {}) {
  const payload = encodeWriteRequest(points, labels);
  const raw = uncompress(payload.body);
  assert.equal(raw.byteLength, payload.rawBytes);
  const request = fromBinary(WriteRequestSchema, raw);
  return {
    payload,
    series: request.timeseries.map((series) => ({
      labels: series.labels.map(({ name, value }) => [name, value]),
      samples: series.samples.map(({ timestamp, value }) => [Number(timestamp), value]),
    })),
  };
}

Deno.test("one series per metric and label set, __name__ first, labels sorted, samples by time", () => {
  const batch: Point[] = [
    { time: 1_764_000_030, tags: web, metrics: { running: 1, milli_cpu_usage: 300 } },
    { time: 1_764_000_000, tags: db, metrics: { running: 0, memory_pressure_some_avg10: 1.25 } },
    { time: 1_764_000_000, tags: web, metrics: { running: 1, milli_cpu_usage: 250 } },
  ];
  const webLabels = [
    ["container", "0123456789ab"],
    ["environment", "prod"],
    ["host_name", "0123456789ab"],
    ["region", "eu"],
    ["service", "web"],
  ];
  const dbLabels = [
    ["container", "ba9876543210"],
    ["database", "pg"],
    ["environment", "prod"],
    ["host_name", "0123456789ab"],
    ["region", "eu"],
    ["service", "db"],
  ];
  const { payload, series } = decode(batch, { region: "eu" });
  assert.deepEqual(series, [
    {
      labels: [["__name__", "enclave_running"], ...webLabels],
      samples: [[1_764_000_000_000, 1], [1_764_000_030_000, 1]],
    },
    {
      labels: [["__name__", "enclave_milli_cpu_usage"], ...webLabels],
      samples: [[1_764_000_000_000, 250], [1_764_000_030_000, 300]],
    },
    {
      labels: [["__name__", "enclave_running"], ...dbLabels],
      samples: [[1_764_000_000_000, 0]],
    },
    {
      labels: [["__name__", "enclave_memory_pressure_some_avg10"], ...dbLabels],
      samples: [[1_764_000_000_000, 1.25]],
    },
  ]);
  assert.equal(payload.values, 6);
});

Deno.test("a −1 (unknown) value has no sample; the point's other metrics do", () => {
  const point: Point = {
    time: 1_764_000_000,
    tags: web,
    metrics: { running: 1, disk_usage_mb: -1, disk_limit_mb: -1, memory_rss_mb: 0 },
  };
  const { series, payload } = decode([point]);
  assert.deepEqual(series.map((entry) => entry.labels[0][1]), [
    "enclave_running",
    "enclave_memory_rss_mb",
  ]);
  assert.equal(payload.values, 2);
});

Deno.test("a full batch: every written value once, each series sorted, labels sorted", () => {
  const points = containerPoints(1000, 1_764_000_000).reverse();
  const { series, payload } = decode(points, { _stack: "blue" });
  const expected = points.reduce((sum, point) => sum + writtenMetrics(point).length, 0);
  assert.equal(payload.values, expected);
  assert.equal(series.reduce((sum, entry) => sum + entry.samples.length, 0), expected);
  for (const { labels, samples } of series) {
    const names = labels.map(([name]) => name);
    assert.equal(names[0], "__name__");
    assert.deepEqual(names, [...names].sort());
    assert.ok(names.includes("_stack"));
    const times = samples.map(([ms]) => ms);
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    assert.ok(times.every((ms) => ms % 1000 === 0));
  }
});
