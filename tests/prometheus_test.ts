/**
 * The Prometheus sink against real remote-write receivers on 127.0.0.1:
 * Prometheus 2.x (`--web.enable-remote-write-receiver`) and VictoriaMetrics
 * (`/api/v1/write`). A full batch goes through the sink and is read back
 * with PromQL: every series must carry the sent values at the sent times,
 * with the point's tags and the static labels as labels; the disk fields the
 * collector sends as −1 (no volume mounted) must be absent. Prometheus also
 * gets a batch with a few samples too old for its head block: it refuses the
 * whole request with 400, and only those points are lost.
 *
 * @module
 */
import assert from "node:assert/strict";
import { envFrom } from "../shared/config/mod.ts";
import { prometheusConfig } from "../aggregator/sinks/prometheus/config.ts";
import type { Point } from "../aggregator/stored_point.ts";
import { PrometheusSink } from "../aggregator/sinks/prometheus/sink.ts";
import { type Receiver, receiversMissing, startVictoriaMetrics } from "./support/receivers.ts";
import { prometheusMissing, startPrometheus } from "./support/prometheus_receiver.ts";
import { containerPoints } from "./support/points.ts";
import { DeliveryRecorder } from "./support/delivery_recorder.ts";

const vmMissing = await receiversMissing();
const promMissing = prometheusMissing();
if (vmMissing) console.log(`skipping the VictoriaMetrics remote-write test: ${vmMissing}`);
if (promMissing) console.log(`skipping the Prometheus remote-write tests: ${promMissing}`);

const DISK_FIELDS = ["disk_usage_mb", "disk_limit_mb"];
const LABELS = { region: "eu-west", _stack: "blue" };

/** A full batch from 50 containers, 20 samples 30 s apart ending 5 min ago; containers 0–9 have no volume. */
function recentBatch(): Point[] {
  const now = Math.floor(Date.now() / 1000);
  const points = containerPoints(1000, now - 900);
  for (const [index, point] of points.entries()) {
    if (index % 50 < 10) { for (const field of DISK_FIELDS) point.metrics[field] = -1; }
  }
  return points;
}

function sinkFor(receiver: Receiver, recorder: DeliveryRecorder): PrometheusSink {
  const config = prometheusConfig(envFrom({
    AGGREGATOR_PROMETHEUS_CONFIGURATION: JSON.stringify({
      url: new URL("/api/v1/write", receiver.url).href,
      timeout: "10s",
      labels: LABELS,
    }),
  }))!;
  return new PrometheusSink(config, { counters: recorder, losses: recorder });
}

/** Series key (labels sorted) → samples [seconds, value], from a PromQL range-vector query. */
async function stored(receiver: Receiver, selector: string) {
  const url = new URL("/api/v1/query", receiver.url);
  url.searchParams.set("query", `${selector}[2h]`);
  url.searchParams.set("time", String(Math.floor(Date.now() / 1000)));
  const answer = await (await fetch(url)).json();
  assert.equal(answer.status, "success", JSON.stringify(answer));
  const series = new Map<string, [number, number][]>();
  for (const { metric, values } of answer.data.result) {
    series.set(
      seriesKey(metric),
      values.map(([time, value]: [number, string]) => [time, Number(value)]),
    );
  }
  return series;
}

function seriesKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).filter(([, value]) => value).sort());
}

/** What the receiver must hold for `points`: every known value under its series. */
function expectedSeries(points: readonly Point[]) {
  const expected = new Map<string, [number, number][]>();
  for (const point of points) {
    for (const [field, value] of Object.entries(point.metrics)) {
      if (value < 0) continue;
      const key = seriesKey({ __name__: `enclave_${field}`, ...point.tags, ...LABELS });
      if (!expected.has(key)) expected.set(key, []);
      expected.get(key)!.push([point.time, value]);
    }
  }
  return expected;
}

async function roundTrip(receiver: Receiver, flush?: () => Promise<void>) {
  const recorder = new DeliveryRecorder();
  const points = recentBatch();
  const outcome = await sinkFor(receiver, recorder).deliver(points, new AbortController().signal);
  assert.equal(outcome, "delivered");
  assert.deepEqual(recorder.counts, { sent: points.length });
  await flush?.();
  const series = await stored(receiver, '{__name__=~"enclave_.+"}');
  const expected = expectedSeries(points);
  assert.equal(series.size, expected.size);
  for (const [key, samples] of expected) assert.deepEqual(series.get(key), samples, key);
  const unmounted = [...series.keys()].filter((key) => key.includes('["container","c000000"]'));
  assert.ok(unmounted.some((key) => key.includes('"enclave_running"')));
  assert.ok(!unmounted.some((key) => key.includes('"enclave_disk_usage_mb"')));
  const mounted = [...series.keys()].filter((key) => key.includes('["container","c00000a"]'));
  assert.ok(mounted.some((key) => key.includes('"enclave_disk_usage_mb"')));
  return points;
}

Deno.test({
  name: "remote write lands in Prometheus with every value, tag and static label",
  ignore: promMissing !== undefined,
  async fn() {
    const receiver = await startPrometheus();
    try {
      await roundTrip(receiver);
    } finally {
      await receiver.stop();
    }
  },
});

Deno.test({
  name: "remote write lands in VictoriaMetrics with every value, tag and static label",
  ignore: vmMissing !== undefined,
  async fn() {
    const receiver = await startVictoriaMetrics();
    try {
      await roundTrip(receiver, async () => {
        await (await fetch(new URL("/internal/force_flush", receiver.url))).body?.cancel();
      });
    } finally {
      await receiver.stop();
    }
  },
});

Deno.test({
  name: "Prometheus refusing samples too old for its head block: only those points are lost",
  ignore: promMissing !== undefined,
  async fn() {
    const receiver = await startPrometheus();
    try {
      await roundTrip(receiver);
      const now = Math.floor(Date.now() / 1000);
      const late = containerPoints(20, now - 240);
      const tooOld = [3, 11, 17].map((index) => late[index]);
      for (const point of tooOld) point.time = now - 3 * 3600;
      const recorder = new DeliveryRecorder().captureLogs();
      const outcome = await sinkFor(receiver, recorder).deliver(late, new AbortController().signal);
      assert.equal(outcome, "delivered");
      assert.equal(recorder.counts.sent, late.length - tooOld.length);
      assert.equal(recorder.counts.rejected, tooOld.length);
      assert.equal(recorder.losses.length, tooOld.length);
      for (const loss of recorder.losses) {
        assert.match(loss.reason, /^a single point HTTP 400: .*out of bounds/);
      }
      for (const point of tooOld) {
        const name = `container ${point.tags.container} at ${point.time}`;
        assert.ok(recorder.logs.some((line) => line.includes(name)), `no log line names ${name}`);
      }
      const running = await stored(receiver, "enclave_running");
      for (const point of late) {
        const samples = running.get(seriesKey({
          __name__: "enclave_running",
          ...point.tags,
          ...LABELS,
        }))!;
        const times = samples.map(([time]) => time);
        assert.equal(times.includes(point.time), !tooOld.includes(point), point.tags.container);
      }
    } finally {
      await receiver.stop();
    }
  },
});
