// The demo's table: rows built from real stdout-sink lines, latest point per container.
import assert from "node:assert/strict";
import { pointLine } from "../aggregator/sinks/stdout/encode.ts";
import { HEADER, pointRow, redraw, statsRow, StatsTable } from "./stats_table.ts";

const WEB = "ab".repeat(32);
const DB = "cd".repeat(32);

function line(container: string, time: number, extra: { service: string; running: number }) {
  return pointLine({
    time,
    tags: {
      environment: "demo",
      service: extra.service,
      container,
      host_name: container.slice(0, 12),
      ...(extra.service === "postgres" ? { database: "orders" } : {}),
    },
    metrics: {
      running: extra.running,
      milli_cpu_usage: extra.running ? 251 : 0,
      cpu_limit_milli: extra.running ? 250 : 0,
      memory_total_mb: 40,
      memory_limit_mb: 128,
      disk_read_kbps: 0,
      disk_write_kbps: 1024,
      disk_read_iops: 0,
      disk_write_iops: 9,
      pids_current: 2,
      pids_limit: -1,
      disk_usage_mb: -1,
      disk_limit_mb: -1,
    },
  });
}

Deno.test("a stdout point becomes one row under the header's columns", () => {
  const table = new StatsTable();
  const point = table.add(line(WEB, 1_764_000_000, { service: "web", running: 1 }));
  assert.equal(
    statsRow(point),
    "abababababab   demo/web                     true      251m / 250m     40 / 128 MiB         " +
      "0 / 1024          0 / 9        2 / -",
  );
  assert.equal(HEADER.indexOf("SERVICE"), statsRow(point).indexOf("demo/web"));
  assert.equal(HEADER.indexOf("PIDS"), statsRow(point).indexOf("2 / -"));
  assert.equal(pointRow(point), `16:00:00  ${statsRow(point)}`);
});

Deno.test("the table holds each container's latest point, ordered by service", () => {
  const table = new StatsTable();
  table.add(line(WEB, 2, { service: "web", running: 1 }));
  table.add(line(DB, 2, { service: "postgres", running: 1 }));
  const stopped = table.add(line(WEB, 3, { service: "web", running: 0 }));
  table.add(line(WEB, 1, { service: "web", running: 1 }));
  const frame = table.frame();
  assert.equal(frame.length, 3);
  assert.equal(frame[0], HEADER);
  assert.match(frame[1], /^cdcdcdcdcdcd {3}demo\/postgres \(orders\) +true /);
  assert.equal(frame[2], statsRow(stopped));
  assert.match(frame[2], /^abababababab {3}demo\/web +false +0m \/ 0m /);
});

Deno.test("a redraw moves up over the previous frame and clears below", () => {
  assert.equal(redraw(0, ["a", "b"]), "\x1b[Ja\nb");
  assert.equal(redraw(2, ["c"]), "\x1b[2F\x1b[Jc");
});
