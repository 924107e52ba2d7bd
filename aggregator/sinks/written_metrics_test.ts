/**
 * Tests of the rule that negative (unknown) values never reach a metrics destination.
 *
 * @module
 */
import assert from "node:assert/strict";
import { writtenMetrics } from "./written_metrics.ts";
import { containerPoints } from "../../tests/support/points.ts";

Deno.test("the collector's −1 disk values are left out; zero and positive values kept in order", () => {
  const [point] = containerPoints(1, 1_764_000_000);
  const metrics = { ...point.metrics, disk_usage_mb: -1, disk_limit_mb: -1, running: 0 };
  const written = writtenMetrics({ ...point, metrics });
  assert.deepEqual(
    written,
    Object.entries(metrics).filter(([name]) =>
      name !== "disk_usage_mb" && name !== "disk_limit_mb"
    ),
  );
  assert.ok(written.some(([name, value]) => name === "running" && value === 0));
});

Deno.test("any negative value is unknown, a fraction included", () => {
  const [point] = containerPoints(1, 1_764_000_000);
  const written = writtenMetrics({ ...point, metrics: { a: -0.25, b: 0, c: 2.5 } });
  assert.deepEqual(written, [["b", 0], ["c", 2.5]]);
});
