import assert from "node:assert/strict";
import { METRIC_FIELDS, type Point } from "../../stored_point.ts";
import { containerPoints } from "../../../tests/support/points.ts";
import { decodeRow, encodeRow } from "./row_codec.ts";

const EDGES: Point[] = [
  {
    time: Number.MAX_SAFE_INTEGER,
    tags: { environment: "e", service: "s🚀 ü", container: "c", host_name: "h", database: "d" },
    metrics: {
      running: 0,
      milli_cpu_usage: -1,
      memory_total_mb: Number.MAX_SAFE_INTEGER,
      memory_rss_mb: -Number.MAX_SAFE_INTEGER,
      memory_pressure_some_avg10: 0.1 + 0.2,
    },
  },
  {
    time: 0,
    tags: { environment: "e", service: "e", container: "e", host_name: "e" },
    metrics: {},
  },
];

Deno.test("a row body gives back its points exactly, in order", () => {
  const points = [...containerPoints(120, 1_700_000_000), ...EDGES];
  assert.deepEqual(decodeRow(encodeRow(points)), points);
  assert.deepEqual(decodeRow(encodeRow([])), []);
});

Deno.test("every metric kind survives: booleans, integers, floats", () => {
  const metrics = Object.fromEntries(
    METRIC_FIELDS.map((field, index) => [
      field.name,
      field.kind === "float" ? index / 7 : field.kind === "boolean" ? 1 : -index * 1001,
    ]),
  );
  const point = { time: 1, tags: EDGES[1].tags, metrics };
  assert.deepEqual(decodeRow(encodeRow([point])), [point]);
});

Deno.test("a call's points take a fraction of their JSON", () => {
  const points = containerPoints(100, 1_700_000_000);
  const json = new TextEncoder().encode(JSON.stringify(points)).length;
  const body = encodeRow(points).length;
  assert.ok(body * 4 < json, `${body} bytes against ${json} of JSON`);
});

Deno.test("a damaged body is an error, not wrong points", () => {
  const body = encodeRow(containerPoints(3, 1_700_000_000));
  assert.throws(() => decodeRow(body.subarray(0, body.length - 1)), /ends early/);
  assert.throws(() => decodeRow(Uint8Array.of(...body, 0)), /bytes after its last point/);
  assert.throws(() => decodeRow(Uint8Array.of(9, ...body.subarray(1))), /version 9 is unknown/);
});
