/**
 * Tests of the stdout sink's JSON line.
 *
 * @module
 */
import assert from "node:assert/strict";
import { pointLine } from "./encode.ts";

const tags = { environment: "e", service: "s", container: "c", host_name: "h" };

Deno.test("a point is one JSON object with RFC 3339 and Unix time, tags and metrics", () => {
  const point = { time: 1_700_000_000, tags, metrics: { running: 1, milli_cpu_usage: 250 } };
  assert.deepEqual(JSON.parse(pointLine(point)), {
    time: "2023-11-14T22:13:20Z",
    unix_time: 1_700_000_000,
    tags,
    metrics: { running: 1, milli_cpu_usage: 250 },
  });
  assert.ok(!pointLine(point).includes("\n"));
});

Deno.test("stdout keeps unknown (negative) values: it records what arrived", () => {
  const metrics = { running: 1, disk_usage_mb: -1, disk_limit_mb: -1 };
  assert.deepEqual(JSON.parse(pointLine({ time: 1_700_000_000, tags, metrics })).metrics, metrics);
});
