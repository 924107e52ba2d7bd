/**
 * Tests of the Datadog v1 and v2 payloads, checked against Datadog's published model.
 *
 * @module
 */
import assert from "node:assert/strict";
import { gunzipSync, inflateSync } from "node:zlib";
import type { Point } from "../../stored_point.ts";
import { encodeV1, encodeV2, type SeriesV1, seriesV1, type SeriesV2, seriesV2 } from "./encode.ts";
import { metricPayloadProblems } from "../../../tests/support/datadog_model.ts";
import { containerPoints } from "../../../tests/support/points.ts";

const web: Point["tags"] = {
  environment: "prod",
  service: "web",
  container: "0123456789ab",
  host_name: "0123456789ab",
};
const db: Point["tags"] = { ...web, service: "db", container: "ba9876543210", database: "pg" };

const batch: Point[] = [
  { time: 1_764_000_000, tags: web, metrics: { running: 1, milli_cpu_usage: 250 } },
  { time: 1_764_000_000, tags: db, metrics: { running: 0, memory_pressure_some_avg10: 1.25 } },
  { time: 1_764_000_030, tags: web, metrics: { running: 1, milli_cpu_usage: 300 } },
];

const webTags = [
  "environment:prod",
  "service:web",
  "container:0123456789ab",
  "host_name:0123456789ab",
];
const dbTags = [
  "environment:prod",
  "service:db",
  "container:ba9876543210",
  "host_name:0123456789ab",
  "database:pg",
];

Deno.test("v2 groups the points of one series and gives every series its host resource", () => {
  const host = [{ type: "host", name: "0123456789ab" }];
  const points = (...pairs: [number, number][]) =>
    pairs.map(([timestamp, value]) => ({ timestamp, value }));
  const expected = {
    series: [
      {
        metric: "enclave.running",
        type: 3,
        points: points([1_764_000_000, 1], [1_764_000_030, 1]),
        tags: webTags,
        resources: host,
      },
      {
        metric: "enclave.milli_cpu_usage",
        type: 3,
        points: points([1_764_000_000, 250], [1_764_000_030, 300]),
        tags: webTags,
        resources: host,
      },
      {
        metric: "enclave.running",
        type: 3,
        points: points([1_764_000_000, 0]),
        tags: dbTags,
        resources: host,
      },
      {
        metric: "enclave.memory_pressure_some_avg10",
        type: 3,
        points: points([1_764_000_000, 1.25]),
        tags: dbTags,
        resources: host,
      },
    ],
  };
  const payload = encodeV2(batch, true);
  assert.equal(new TextDecoder().decode(gunzipSync(payload.body)), JSON.stringify(expected));
  assert.equal(payload.values, 6);
  assert.equal(payload.rawBytes, JSON.stringify(expected).length);
  assert.deepEqual(metricPayloadProblems(expected), []);
});

Deno.test("v2 without the host leaves resources out", () => {
  const { series } = seriesV2(batch, false);
  assert.equal(series.length, 4);
  assert.ok(series.every((entry) => !("resources" in entry)));
  assert.deepEqual(metricPayloadProblems({ series }), []);
});

Deno.test("v1 sends [[ts, value]] points, a string type and a top-level host, zlib-deflated", () => {
  const expected = {
    series: [
      {
        metric: "enclave.running",
        points: [[1_764_000_000, 1], [1_764_000_030, 1]],
        type: "gauge",
        host: "0123456789ab",
        tags: webTags,
      },
      {
        metric: "enclave.milli_cpu_usage",
        points: [[1_764_000_000, 250], [1_764_000_030, 300]],
        type: "gauge",
        host: "0123456789ab",
        tags: webTags,
      },
      {
        metric: "enclave.running",
        points: [[1_764_000_000, 0]],
        type: "gauge",
        host: "0123456789ab",
        tags: dbTags,
      },
      {
        metric: "enclave.memory_pressure_some_avg10",
        points: [[1_764_000_000, 1.25]],
        type: "gauge",
        host: "0123456789ab",
        tags: dbTags,
      },
    ],
  };
  const payload = encodeV1(batch, true);
  assert.equal(new TextDecoder().decode(inflateSync(payload.body)), JSON.stringify(expected));
  assert.ok(seriesV1(batch, false).series.every((entry) => !("host" in entry)));
});

Deno.test("a full batch of every metric passes Datadog's v2 model, one series per metric and container", () => {
  const points = containerPoints(1000, 1_764_000_000);
  const payload = seriesV2(points, true);
  assert.deepEqual(metricPayloadProblems(payload), []);
  const metrics = Object.keys(points[0].metrics).length;
  assert.equal(payload.series.length, metrics * 50);
  assert.equal(payload.series.reduce((sum, entry) => sum + entry.points.length, 0), 1000 * metrics);
});

Deno.test("the model checker rejects what Datadog's model does not allow", () => {
  const problems = metricPayloadProblems({
    series: [
      { metric: "m", points: [{ timestamp: 1.5, value: "1" }], type: 4, host: "h" },
      { points: [], resources: [{ name: 1 }] },
    ],
  });
  assert.deepEqual(problems, [
    'series[0]: undeclared property "host"',
    "series[0].points[0].timestamp: must be an int64",
    "series[0].points[0].value: must be a finite double",
    "series[0].type: 4 is not one of 0,1,2,3",
    "series[1].metric: required non-empty string",
    "series[1].resources[0].name: must be a string",
  ]);
});

Deno.test("v1 and v2 leave out unknown (negative) values and keep the rest of the point", () => {
  const unknownDisk: Point = {
    time: 1_764_000_000,
    tags: web,
    metrics: { running: 1, disk_usage_mb: -1, disk_limit_mb: -1, disk_read_kbps: 0 },
  };
  const written = [
    ["enclave.running", 1],
    ["enclave.disk_read_kbps", 0],
  ];
  const v2 = JSON.parse(new TextDecoder().decode(gunzipSync(encodeV2([unknownDisk], true).body)));
  assert.deepEqual(
    v2.series.map((entry: SeriesV2) => [entry.metric, entry.points[0].value]),
    written,
  );
  assert.deepEqual(metricPayloadProblems(v2), []);
  const v1 = JSON.parse(new TextDecoder().decode(inflateSync(encodeV1([unknownDisk], true).body)));
  assert.deepEqual(v1.series.map((entry: SeriesV1) => [entry.metric, entry.points[0][1]]), written);
  assert.equal(encodeV2([unknownDisk], true).values, 2);
  assert.equal(encodeV1([unknownDisk], true).values, 2);
});
