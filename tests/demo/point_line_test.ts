// The demo's point line: built from a real stdout-sink line, every headline figure in place.
import assert from "node:assert/strict";
import { pointLine as stdoutLine } from "../../aggregator/sinks/stdout/encode.ts";
import { pointLine } from "./point_line.ts";

Deno.test("a stdout point becomes one short line with every headline figure", () => {
  const json = stdoutLine({
    time: 1_764_000_000,
    tags: {
      environment: "demo",
      service: "web",
      container: "ab".repeat(32),
      host_name: "abababababab",
    },
    metrics: {
      running: 1,
      milli_cpu_usage: 512,
      cpu_limit_milli: 1000,
      memory_total_mb: 40,
      memory_rss_mb: 33,
      memory_limit_mb: 128,
      disk_read_kbps: 0,
      disk_write_kbps: 1024,
      disk_read_iops: 0,
      disk_write_iops: 9,
      pids_current: 2,
      pids_limit: 32,
      disk_usage_mb: -1,
      disk_limit_mb: -1,
    },
  });
  assert.equal(
    pointLine(json),
    "16:00:00  abababababab  up    cpu  512m of 1000m  mem 40/128 MiB (rss 33)  " +
      "io r 0 w 1024 KiB/s, 0/9 op/s  pids 2/32",
  );
});
