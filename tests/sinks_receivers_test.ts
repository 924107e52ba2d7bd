/**
 * The Datadog and InfluxDB sinks against real receivers on 127.0.0.1:
 * VictoriaMetrics taking Datadog v1 series and InfluxDB 1.x taking line
 * protocol with basic auth. A batch goes through each sink, is read back
 * from the receiver, and every stored value and tag must match what was sent;
 * the disk fields the collector sends as −1 (no volume mounted) must be
 * absent, never −1, while the rest of those points is stored. InfluxDB also
 * gets a batch with a few points it cannot parse: only those are lost.
 *
 * @module
 */
import assert from "node:assert/strict";
import { envFrom } from "../shared/config/mod.ts";
import { datadogConfig } from "../aggregator/sinks/datadog/config.ts";
import { type InfluxdbConfig, influxdbConfig } from "../aggregator/sinks/influxdb/config.ts";
import type { Point } from "../aggregator/stored_point.ts";
import { DatadogSink } from "../aggregator/sinks/datadog/sink.ts";
import { InfluxdbSink } from "../aggregator/sinks/influxdb/sink.ts";
import { receiversMissing, startInfluxdb, startVictoriaMetrics } from "./support/receivers.ts";
import { containerPoints } from "./support/points.ts";
import { DeliveryRecorder } from "./support/delivery_recorder.ts";

const missing = await receiversMissing();
if (missing) console.log(`skipping the real-receiver sink tests: ${missing}`);

/** The fields the collector sends as −1 when no volume is mounted. */
const DISK_FIELDS = ["disk_usage_mb", "disk_limit_mb"];

/**
 * A full batch from 50 containers, the newest sample 5 minutes old. Containers
 * 0–9 have no volume (disk fields −1 in every sample); container 10 gets one
 * in its second sample.
 */
function recentBatch(): Point[] {
  const now = Math.floor(Date.now() / 1000);
  const points = containerPoints(1000, now - 900);
  for (const [index, point] of points.entries()) {
    if (index % 50 < 10 || index === 10) {
      for (const field of DISK_FIELDS) point.metrics[field] = -1;
    }
  }
  return points;
}

/** The point's metrics as the collector sent them, but for the unknown (−1) disk fields. */
function knownMetrics(point: Point): [string, number][] {
  return Object.entries(point.metrics).filter(([field, value]) =>
    !(DISK_FIELDS.includes(field) && value === -1)
  );
}

Deno.test({
  name: "Datadog v1 series land in VictoriaMetrics with every value and tag",
  ignore: missing !== undefined,
  async fn() {
    const receiver = await startVictoriaMetrics();
    try {
      const config = datadogConfig(envFrom({
        AGGREGATOR_DATADOG_CONFIGURATION: JSON.stringify({
          api_key: "not-checked-by-victoria-metrics",
          series_url: new URL("/datadog/api/v1/series", receiver.url).href,
          timeout: "10s",
        }),
      }))!;
      assert.equal(config.apiVersion, 1);
      const counts = new DeliveryRecorder();
      const points = recentBatch();
      const outcome = await new DatadogSink(config, { counters: counts })
        .deliver(points, new AbortController().signal);
      assert.equal(outcome, "delivered");
      assert.equal(counts.counts.sent, points.length);

      const signal = AbortSignal.timeout(30_000);
      await (await fetch(new URL("/internal/force_flush", receiver.url), { signal })).body
        ?.cancel();
      const exported = new URL("/api/v1/export", receiver.url);
      exported.searchParams.set("match[]", '{__name__=~"enclave\\\\..+"}');
      const text = await (await fetch(exported, { signal })).text();
      const stored = new Map<string, [number, number][]>();
      for (const line of text.trim().split("\n")) {
        const series = JSON.parse(line);
        const samples = series.timestamps.map((
          ms: number,
          i: number,
        ) => [ms / 1000, series.values[i]]);
        stored.set(seriesKey(series.metric), samples);
      }

      const expected = new Map<string, [number, number][]>();
      for (const point of points) {
        for (const [field, value] of knownMetrics(point)) {
          const key = seriesKey({
            __name__: `enclave.${field}`,
            host: point.tags.host_name,
            ...point.tags,
          });
          if (!expected.has(key)) expected.set(key, []);
          expected.get(key)!.push([point.time, value]);
        }
      }
      assert.equal(stored.size, expected.size);
      for (const [key, samples] of expected) assert.deepEqual(stored.get(key), samples, key);
      const seriesOf = (container: string) =>
        [...stored.keys()].filter((key) => key.includes(`["container","${container}"]`));
      const unmounted = seriesOf("c000000");
      assert.ok(unmounted.some((key) => key.includes('"enclave.running"')), unmounted.join());
      assert.ok(!unmounted.some((key) => key.includes('"enclave.disk_usage_mb"')));
      const mountedLater = stored.get(
        [...stored.keys()].find((key) =>
          key.includes('"enclave.disk_usage_mb"') && key.includes('"c00000a"')
        )!,
      )!;
      assert.deepEqual(
        mountedLater.map(([time]) => time),
        points.filter((point, index) => point.tags.container === "c00000a" && index !== 10).map((
          point,
        ) => point.time),
      );
      assert.ok([...stored.values()].every((samples) => samples.every(([, value]) => value >= 0)));
    } finally {
      await receiver.stop();
    }
  },
});

Deno.test({
  name: "line protocol lands in InfluxDB with every field, type and (escaped) tag",
  ignore: missing !== undefined,
  async fn() {
    await withInfluxdb(async (receiver, config) => {
      const points = recentBatch();
      for (const point of points.slice(0, 50)) {
        point.tags = { ...point.tags, service: "web api,v=2 \\x", database: "" };
      }
      const counts = new DeliveryRecorder();
      const outcome = await new InfluxdbSink(config, { counters: counts })
        .deliver(points, new AbortController().signal);
      assert.equal(outcome, "delivered");
      assert.deepEqual(counts.counts, { sent: points.length });

      const answer = await receiver.query("SELECT * FROM metrics", "enclave") as {
        results: { series: { columns: string[]; values: unknown[][] }[] }[];
      };
      const [{ columns, values }] = answer.results[0].series;
      const rows = new Map(values.map((row) => {
        const record = Object.fromEntries(columns.map((column, i) => [column, row[i]]));
        return [`${record.time} ${record.container}`, record];
      }));
      assert.equal(rows.size, points.length);
      for (const point of points) {
        const row = rows.get(`${point.time} ${point.tags.container}`)!;
        const expected: Record<string, unknown> = { time: point.time };
        for (const column of columns) if (column !== "time") expected[column] = null;
        for (const [tag, value] of Object.entries(point.tags)) if (value) expected[tag] = value;
        for (const [field, value] of knownMetrics(point)) {
          expected[field] = field === "running" ? value === 1 : value;
        }
        assert.deepEqual(row, expected);
      }
      const unmounted = rows.get(`${points[0].time} c000000`)!;
      assert.equal(unmounted.disk_usage_mb, null);
      assert.equal(unmounted.disk_limit_mb, null);
      assert.equal(unmounted.milli_cpu_usage, points[0].metrics.milli_cpu_usage);
      const types = await receiver.query("SHOW FIELD KEYS FROM metrics", "enclave") as {
        results: { series: { values: [string, string][] }[] }[];
      };
      const fieldTypes = Object.fromEntries(types.results[0].series[0].values);
      assert.equal(fieldTypes.running, "boolean");
      assert.equal(fieldTypes.milli_cpu_usage, "integer");
      assert.equal(fieldTypes.cpu_pressure_some_avg10, "float");

      const refused = new DeliveryRecorder().captureLogs();
      const wrongPassword = new InfluxdbSink({ ...config, password: "wrong" }, {
        counters: refused,
        losses: refused,
      });
      const dropped = await wrongPassword.deliver(points, new AbortController().signal);
      assert.equal(dropped, "dropped");
      assert.deepEqual(refused.counts, { rejected: points.length });
      assert.match(refused.losses[0].reason, /^HTTP 401: .*authorization failed/);
      assert.ok(refused.logs.every((line) => !line.includes(receiver.password)));
    });
  },
});

Deno.test({
  name: "InfluxDB refusing a few lines of a batch: only those points are lost, each named",
  ignore: missing !== undefined,
  async fn() {
    await withInfluxdb(async (receiver, config) => {
      const points = recentBatch();
      // A tag value ending in a backslash escapes the separator after it; validation refuses
      // such values, so only a point that skipped validation can carry one.
      const refused = [123, 456, 789].map((index) => points[index]);
      for (const point of refused) point.tags = { ...point.tags, service: "evil\\" };
      const counts = new DeliveryRecorder().captureLogs();
      const outcome = await new InfluxdbSink(config, { counters: counts, losses: counts })
        .deliver(points, new AbortController().signal);
      assert.equal(outcome, "delivered");
      assert.equal(counts.counts.sent, points.length - refused.length);
      assert.equal(counts.counts.rejected, refused.length);
      assert.equal(counts.losses.length, refused.length);
      for (const loss of counts.losses) {
        assert.equal(loss.points, 1);
        assert.match(loss.reason, /^a single point HTTP 400: .*unable to parse/);
      }
      for (const point of refused) {
        const name = `container ${point.tags.container} at ${point.time}`;
        assert.ok(counts.logs.some((line) => line.includes(name)), `no log line names ${name}`);
      }

      const answer = await receiver.query("SELECT running FROM metrics", "enclave") as {
        results: { series: { values: [number, boolean][] }[] }[];
      };
      assert.equal(answer.results[0].series[0].values.length, points.length - refused.length);
      const evil = await receiver.query(
        `SELECT running FROM metrics WHERE service =~ /evil/`,
        "enclave",
      ) as { results: { series?: unknown[] }[] };
      assert.equal(evil.results[0].series, undefined);
    });
  },
});

/** A real InfluxDB with an `enclave` database, and the sink configuration that writes there. */
async function withInfluxdb(
  body: (
    receiver: Awaited<ReturnType<typeof startInfluxdb>>,
    config: InfluxdbConfig,
  ) => Promise<void>,
): Promise<void> {
  const receiver = await startInfluxdb();
  try {
    await receiver.query("CREATE DATABASE enclave");
    const config = influxdbConfig(envFrom({
      AGGREGATOR_INFLUXDB_CONFIGURATION: JSON.stringify({
        address: receiver.url.href,
        username: receiver.username,
        password: receiver.password,
        database: "enclave",
        timeout: "10s",
      }),
    }))!;
    await body(receiver, config);
  } finally {
    await receiver.stop();
  }
}

/** A series identity independent of label order. */
function seriesKey(labels: Record<string, string | undefined>): string {
  return JSON.stringify(Object.entries(labels).filter(([, value]) => value).sort());
}
