import assert from "node:assert/strict";
import { AggregatorMetrics, LATENCY_BUCKETS } from "./metrics.ts";
import type { SpoolState } from "./spool/mod.ts";
import { REJECT_REASONS, Stats } from "./stats.ts";

function metricsWith(stats: Stats, spool: SpoolState, serving = true): AggregatorMetrics {
  return new AggregatorMetrics({
    stats,
    spool: () => spool,
    serving: () => serving,
    sinks: ["stdout", "datadog"],
  });
}

/** The sample lines of an exposition, as `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const lines = text.split("\n").filter((line) => line && !line.startsWith("#"));
  return new Map(lines.map((line) => {
    const cut = line.lastIndexOf(" ");
    return [line.slice(0, cut), Number(line.slice(cut + 1))];
  }));
}

/** Prometheus's own linter of the text format, from the Debian package; undefined when absent. */
async function promtoolCheck(text: string): Promise<string | undefined> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("promtool", {
      args: ["check", "metrics"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const output = await child.output();
  const decoder = new TextDecoder();
  return `${output.code} ${decoder.decode(output.stdout)}${decoder.decode(output.stderr)}`;
}

Deno.test("counters, spool state and health read at scrape time", async () => {
  const stats = new Stats();
  const spool = { depth: 7, oldestAgeMs: 61_500, bytes: 900, writable: false };
  const metrics = metricsWith(stats, spool, false);
  stats.call("publish");
  stats.call("publish_batch");
  stats.call("publish_batch");
  stats.accept(5);
  stats.reject("missing_tag", 2);
  stats.count("stdout", "delivered", 4);
  stats.count("datadog", "spool_overflow", 3);
  const text = await metrics.exposition();
  assert.match(metrics.contentType, /^text\/plain; version=0\.0\.4/);
  const values = samples(text);
  const expected: [string, number][] = [
    ['mini_collector_aggregator_calls_total{method="publish"}', 1],
    ['mini_collector_aggregator_calls_total{method="publish_batch"}', 2],
    ["mini_collector_aggregator_points_accepted_total", 5],
    ['mini_collector_aggregator_points_rejected_total{reason="missing_tag"}', 2],
    ['mini_collector_aggregator_sink_points_total{sink="stdout",decision="delivered"}', 4],
    ['mini_collector_aggregator_sink_points_total{sink="datadog",decision="spool_overflow"}', 3],
    ["mini_collector_aggregator_spool_points", 7],
    ["mini_collector_aggregator_spool_oldest_point_age_seconds", 61.5],
    ["mini_collector_aggregator_spool_bytes", 900],
    ["mini_collector_aggregator_spool_writable", 0],
    ["mini_collector_aggregator_serving", 0],
  ];
  for (const [series, value] of expected) assert.equal(values.get(series), value, series);
  assert.ok(values.get("process_resident_memory_bytes")! > 1 << 20);
  assert.match(text, /^# TYPE mini_collector_aggregator_calls_total counter$/m);
  assert.match(text, /^# TYPE mini_collector_aggregator_spool_points gauge$/m);
  assert.match(text, /^# HELP mini_collector_aggregator_points_rejected_total Points refused/m);

  stats.accept(2);
  stats.reject("missing_tag");
  const later = samples(await metrics.exposition());
  assert.equal(later.get("mini_collector_aggregator_points_accepted_total"), 7);
  assert.equal(
    later.get('mini_collector_aggregator_points_rejected_total{reason="missing_tag"}'),
    3,
  );
});

Deno.test("every rejection reason is exported at 0 before the first rejection", async () => {
  const stats = new Stats();
  const metrics = metricsWith(stats, { depth: 0, oldestAgeMs: 0, bytes: 0, writable: true });
  const fresh = samples(await metrics.exposition());
  assert.ok(REJECT_REASONS.includes("tag_set_limit") && REJECT_REASONS.includes("spool_full"));
  for (const reason of REJECT_REASONS) {
    assert.equal(
      fresh.get(`mini_collector_aggregator_points_rejected_total{reason="${reason}"}`),
      0,
      reason,
    );
  }
  stats.reject("spool_full", 3);
  const later = samples(await metrics.exposition());
  assert.equal(
    later.get('mini_collector_aggregator_points_rejected_total{reason="spool_full"}'),
    3,
  );
  assert.equal(
    later.get('mini_collector_aggregator_points_rejected_total{reason="missing_tag"}'),
    0,
  );
});

Deno.test("delivery latency is a histogram per configured sink, in seconds", async () => {
  const metrics = metricsWith(new Stats(), { depth: 0, oldestAgeMs: 0, bytes: 0, writable: true });
  const empty = samples(await metrics.exposition());
  assert.equal(
    empty.get('mini_collector_aggregator_delivery_latency_seconds_count{sink="datadog"}'),
    0,
  );
  metrics.observeDelivery("stdout", [40, 800, 800, 20_000]);
  const text = await metrics.exposition();
  assert.match(text, /^# TYPE mini_collector_aggregator_delivery_latency_seconds histogram$/m);
  const values = samples(text);
  const bucket = (le: string) =>
    values.get(
      `mini_collector_aggregator_delivery_latency_seconds_bucket{le="${le}",sink="stdout"}`,
    );
  assert.equal(bucket("0.05"), 1);
  assert.equal(bucket("0.5"), 1);
  assert.equal(bucket("1"), 3);
  assert.equal(bucket("15"), 3);
  assert.equal(bucket("30"), 4);
  assert.equal(bucket("+Inf"), 4);
  assert.equal(
    values.get('mini_collector_aggregator_delivery_latency_seconds_sum{sink="stdout"}'),
    21.64,
  );
  assert.equal(
    values.get('mini_collector_aggregator_delivery_latency_seconds_count{sink="stdout"}'),
    4,
  );
  const buckets = [...values.keys()].filter((series) => series.endsWith('sink="datadog"}'));
  assert.equal(
    buckets.filter((series) => series.includes("_bucket")).length,
    LATENCY_BUCKETS.length + 1,
  );
});

Deno.test("label values are escaped and the exposition passes promtool", async () => {
  const stats = new Stats();
  stats.reject('odd "reason"\\with\nnewline', 1);
  const metrics = metricsWith(stats, { depth: 0, oldestAgeMs: 0, bytes: 0, writable: true });
  metrics.observeDelivery("stdout", [1500]);
  const text = await metrics.exposition();
  assert.match(
    text,
    /^mini_collector_aggregator_points_rejected_total\{reason="odd \\"reason\\"\\\\with\\nnewline"\} 1$/m,
  );
  const check = await promtoolCheck(text);
  if (check === undefined) {
    console.log("promtool not installed (apt-get install prometheus): lint skipped");
    return;
  }
  assert.equal(check, "0 ", text);
});
