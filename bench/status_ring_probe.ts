/**
 * One measurement of the status page's memory, in its own process (run with
 * `--v8-flags=--expose-gc` by status_ring.ts): the memory (V8 heap and the
 * typed arrays' backing stores) a {@link StatusPage} holds once `containers`
 * containers sent one point each, once each filled its 15 minutes of history
 * (every slot), and once 20% more containers than that were sent on top
 * (left out at the cap); then the time and size of one `/api/status`
 * snapshot. Prints one JSON line.
 *
 * @module
 */
import { SLOT_SECONDS, SLOTS } from "../aggregator/status/history.ts";
import { StatusPage } from "../aggregator/status/mod.ts";
import { Stats } from "../aggregator/stats.ts";
import type { Point } from "../aggregator/stored_point.ts";

const containers = Number(Deno.args[0]);
const gc = (globalThis as unknown as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");

function heap(): number {
  for (let i = 0; i < 3; i++) gc!();
  const usage = Deno.memoryUsage();
  return usage.heapUsed + usage.external;
}

const START_MS = Date.now() - SLOTS * SLOT_SECONDS * 1000;
let nowMs = START_MS;
const stats = new Stats();
function page(): StatusPage {
  return new StatusPage({
    sinks: ["stdout"],
    stats: () => stats.snapshot({ depth: 0, oldestAgeMs: 0, bytes: 0, writable: true }),
    backlog: () => ({ depth: 0, oldestAgeMs: 0 }),
    problem: () => undefined,
    serving: () => true,
    refreshMs: 15_000,
    secrets: [],
    now: () => nowMs,
  });
}

/** One point of each container at `nowMs`, with the tags and metrics a host-mode collector sends. */
function round(target: StatusPage, from = 0, to = containers): void {
  const time = Math.floor(nowMs / 1000);
  const points: Point[] = [];
  for (let n = from; n < to; n++) {
    points.push({
      time,
      tags: {
        environment: `env-${n % 7}`,
        service: `service-${n % 97}`,
        container: `${n.toString(16).padStart(12, "0")}${"a".repeat(52)}`,
        host_name: `host-${n % 50}`,
        app: `app-${n % 31}`,
      },
      metrics: {
        running: 1,
        milli_cpu_usage: n % 1000,
        memory_total_mb: n % 4096,
        memory_limit_mb: 4096,
        pids_current: 12,
        pids_limit: 100,
        disk_read_kbps: 3,
        disk_write_kbps: 4,
      },
    });
  }
  target.observe(points);
}

const baseline = heap();
const full = page();
round(full);
const onePointBytes = heap() - baseline;
for (let slot = 1; slot < SLOTS; slot++) {
  nowMs = START_MS + slot * SLOT_SECONDS * 1000;
  round(full);
}
const fullBytes = heap() - baseline;
round(full, containers, containers * 1.2);
const beyondCapBytes = heap() - baseline;

const started = performance.now();
const json = JSON.stringify(full.snapshot());
const snapshotMs = performance.now() - started;
const shown = JSON.parse(json).containers.length;
if (shown !== containers) throw new Error(`the snapshot lists ${shown} of ${containers}`);
console.log(JSON.stringify({
  onePointBytes,
  fullBytes,
  beyondCapBytes,
  snapshotMs,
  snapshotBytes: json.length,
  rss: Deno.memoryUsage().rss,
}));
