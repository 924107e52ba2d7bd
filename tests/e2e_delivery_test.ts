/**
 * The whole pipeline into real receivers: the real collector (under its
 * permission set, reading a cgroup fixture captured on this machine that the
 * test advances so rates move) publishes to the real aggregator, which fans
 * out to stdout, to VictoriaMetrics through the Datadog v1 path and to
 * InfluxDB. Every point on stdout (what the collector published) must be read
 * back from both receivers with the same values and tags, and the levels the
 * collector reported must equal the fixture's own values.
 */
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { CgroupSampler } from "../collector/cgroup/mod.ts";
import { AggregatorProcess } from "./support/aggregator.ts";
import { advanceTo, copyFixture } from "./support/cgroup_fixture_copy.ts";
import { CollectorProcess } from "./support/collector_process.ts";
import { collectorEnv, CONTAINER_ID, FIXTURE } from "./support/e2e_collectors.ts";
import { recordScenario } from "./support/e2e_summary.ts";
import { receiversMissing, startInfluxdb, startVictoriaMetrics } from "./support/receivers.ts";
import {
  countPoints,
  influxdbPoints,
  stdoutPoints,
  type StoredPoints,
  victoriaMetricsPoints,
} from "./support/stored_points.ts";
import { until } from "./support/until.ts";
import { dockerCgroupPaths } from "../collector/host/docker_layout.ts";

const POINTS = 5;
/** Levels, not rates: the collector must report exactly what the cgroup files say. */
const LEVELS = {
  memory_total_mb: "memoryTotalMb",
  memory_rss_mb: "memoryRssMb",
  memory_limit_mb: "memoryLimitMb",
  pids_current: "pidsCurrent",
  pids_limit: "pidsLimit",
  cpu_limit_milli: "cpuLimitMilli",
} as const;

const missing = await receiversMissing();
if (missing) console.log(`skipping the end-to-end receiver test: ${missing}`);

/** Each stdout point's values and tags, compared with what `stored` holds; returns the differences. */
function differences(published: StoredPoints, stored: StoredPoints, extraTags = {}): string[] {
  const problems: string[] = [];
  for (const [container, times] of published) {
    for (const [time, point] of times) {
      const found = stored.get(container)?.get(time);
      if (!found) {
        problems.push(`${container}@${time}: missing`);
        continue;
      }
      if (!isDeepStrictEqual(found.metrics, point.metrics)) {
        problems.push(
          `${container}@${time}: ${JSON.stringify(found.metrics)} ≠ ${
            JSON.stringify(point.metrics)
          }`,
        );
      }
      const tags = { ...point.tags, ...extraTags };
      if (!isDeepStrictEqual(found.tags, tags)) {
        problems.push(`${container}@${time}: tags ${JSON.stringify(found.tags)}`);
      }
    }
  }
  return problems;
}

Deno.test({
  name: "collector → aggregator → VictoriaMetrics (Datadog v1) and InfluxDB: every value and tag",
  ignore: missing !== undefined,
  async fn() {
    const root = await copyFixture(FIXTURE, "t0");
    const volume = await Deno.makeTempDir({ prefix: "mini-collector-e2e-volume-" });
    const victoria = await startVictoriaMetrics();
    const influx = await startInfluxdb();
    try {
      await influx.query("CREATE DATABASE enclave");
      await using aggregator = await AggregatorProcess.start({
        supervise: true,
        env: {
          AGGREGATOR_DATADOG_CONFIGURATION: JSON.stringify({
            api_key: "e2e-delivery-key",
            series_url: new URL("/datadog/api/v1/series", victoria.url).href,
          }),
          AGGREGATOR_INFLUXDB_CONFIGURATION: JSON.stringify({
            address: influx.url.href,
            username: influx.username,
            password: influx.password,
            database: "enclave",
          }),
        },
      });
      const collector = new CollectorProcess(
        collectorEnv(aggregator.port, {
          MINI_COLLECTOR_CGROUP_PATH: root,
          MINI_COLLECTOR_MOUNT_PATH: volume,
          MINI_COLLECTOR_DATABASE_NAME: "orders",
        }),
      );
      try {
        await aggregator.waitFor(() => aggregator.lines.length >= 1, 30_000, "a first point");
        await advanceTo(root, FIXTURE, "t1");
        await aggregator.waitFor(
          () => aggregator.lines.length >= POINTS,
          30_000,
          `${POINTS} points`,
        );
      } finally {
        assert.equal(await collector.stop("SIGTERM"), 0, collector.stderr);
      }
      const published = stdoutPoints(aggregator.lines);
      let problems: string[] = [];
      await until(
        async () => {
          problems = [
            ...differences(published, await victoriaMetricsPoints(victoria.url), {
              host: published.get(CONTAINER_ID)!.values().next().value!.tags.host_name,
            }).map((problem) => `VictoriaMetrics ${problem}`),
            ...differences(published, await influxdbPoints(influx, "enclave"))
              .map((problem) => `InfluxDB ${problem}`),
          ];
          return problems.length === 0;
        },
        30_000,
        500,
      );

      const { metrics } = await new CgroupSampler({
        root,
        relativePaths: dockerCgroupPaths(CONTAINER_ID),
      })
        .sample(performance.now());
      const last = [...published.get(CONTAINER_ID)!.values()].at(-1)!;
      for (const [field, property] of Object.entries(LEVELS)) {
        if (last.metrics[field] !== Number(metrics[property])) {
          problems.push(
            `${field}: published ${last.metrics[field]}, cgroup says ${metrics[property]}`,
          );
        }
      }
      const moving = ["milli_cpu_usage", "disk_write_kbps"].filter((field) =>
        [...published.get(CONTAINER_ID)!.values()].some((point) => point.metrics[field] > 0)
      );
      recordScenario({
        scenario: "collector → aggregator → VictoriaMetrics + InfluxDB",
        produced: countPoints(published),
        stored: countPoints(published) -
          problems.filter((problem) => problem.endsWith("missing")).length,
        expectedLost: 0,
        result: problems.length === 0 ? "pass" : "FAIL",
        notes: `values and tags equal in both receivers (${Object.keys(last.metrics).length} ` +
          `metrics per point); non-zero rates: ${moving.join(", ") || "none"}`,
      });
      assert.deepEqual(problems, []);
      assert.deepEqual(moving, ["milli_cpu_usage", "disk_write_kbps"]);
    } finally {
      await influx.stop();
      await victoria.stop();
      await Deno.remove(volume, { recursive: true });
      await Deno.remove(root, { recursive: true });
    }
  },
});
