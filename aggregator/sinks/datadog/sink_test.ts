/**
 * Tests of the Datadog sink against a local scripted server: endpoints, key handling, expiry, limits.
 *
 * @module
 */
import assert from "node:assert/strict";
import { envFrom } from "../../../shared/config/mod.ts";
import { datadogConfig } from "./config.ts";
import type { Point } from "../../stored_point.ts";
import { DatadogSink } from "./sink.ts";
import { IN_THREAD, type PayloadEncoder } from "../encoding/formats.ts";
import { metricPayloadProblems } from "../../../tests/support/datadog_model.ts";
import { containerPoints } from "../../../tests/support/points.ts";
import { DeliveryRecorder } from "../../../tests/support/delivery_recorder.ts";
import { type Received, scriptedServer } from "../../../tests/support/scripted_server.ts";

const API_KEY = "0123456789abcdef0123456789abcdef";
const NOW_MS = Date.parse("2026-11-25T12:00:00Z");
const NOW_S = NOW_MS / 1000;

/** Delivers `points` through a Datadog sink configured as the aggregator would be, to a local server. */
async function deliver(
  points: Point[],
  path: string,
  reply = () => new Response("{}", { status: 202 }),
  encoder?: PayloadEncoder,
) {
  const recorder = new DeliveryRecorder().captureLogs(true);
  const server = scriptedServer(reply);
  try {
    const config = datadogConfig(envFrom({
      AGGREGATOR_DATADOG_CONFIGURATION: JSON.stringify({
        api_key: API_KEY,
        series_url: new URL(path, server.url).href,
        timeout: "5s",
        retry_count: "1",
      }),
    }))!;
    const sink = new DatadogSink(config, {
      counters: recorder,
      losses: recorder,
      now: () => NOW_MS,
      backoff: { baseMs: 10, capMs: 10 },
      retryAfterCapMs: 10,
      encoder,
    });
    const outcome = await sink.deliver(points, new AbortController().signal);
    return { outcome, recorder, received: server.received };
  } finally {
    await server.close();
  }
}

function series(request: Received) {
  return JSON.parse(request.text).series as { points: unknown[] }[];
}

function assertKeyOnlyInHeader(received: Received[], logs: string[]) {
  for (const request of received) {
    assert.equal(request.headers.get("dd-api-key"), API_KEY);
    assert.ok(!request.url.href.includes(API_KEY));
    assert.ok(!request.text.includes(API_KEY));
  }
  assert.ok(logs.every((line) => !line.includes(API_KEY)), "API key in a log line");
}

Deno.test("v2: gzip JSON with the API key in DD-API-KEY, valid against Datadog's model", async () => {
  const points = containerPoints(100, NOW_S - 600);
  const { outcome, recorder, received } = await deliver(points, "/api/v2/series");
  assert.equal(outcome, "delivered");
  assert.equal(received.length, 1);
  const [request] = received;
  assert.equal(request.url.pathname, "/api/v2/series");
  assert.equal(request.url.search, "");
  assert.equal(request.headers.get("content-type"), "application/json");
  assert.equal(request.headers.get("content-encoding"), "gzip");
  assert.deepEqual(metricPayloadProblems(JSON.parse(request.text)), []);
  assert.deepEqual(recorder.counts, { sent: 100 });
  assertKeyOnlyInHeader(received, recorder.logs);
});

Deno.test("v1: a v1 series URL gets zlib-deflated v1 payloads", async () => {
  const points = containerPoints(10, NOW_S - 60);
  const { outcome, received } = await deliver(points, "/api/v1/series");
  assert.equal(outcome, "delivered");
  assert.equal(received[0].headers.get("content-encoding"), "deflate");
  const [first] = JSON.parse(received[0].text).series;
  assert.equal(first.type, "gauge");
  assert.equal(first.host, points[0].tags.host_name);
  assert.deepEqual(first.points[0], [NOW_S - 60, points[0].metrics.running]);
});

Deno.test("points older than 1 h or more than 10 min ahead are expired, counted and reported", async () => {
  const points = containerPoints(6, NOW_S);
  const times = [NOW_S - 3_601, NOW_S - 3_600, NOW_S, NOW_S + 600, NOW_S + 601, NOW_S - 86_400];
  points.forEach((point, index) => point.time = times[index]);
  const { outcome, recorder, received } = await deliver(points, "/api/v2/series");
  assert.equal(outcome, "delivered");
  const sent = new Set(
    series(received[0]).flatMap((entry) =>
      entry.points.map((point) => (point as { timestamp: number }).timestamp)
    ),
  );
  assert.deepEqual([...sent].sort(), [NOW_S - 3_600, NOW_S, NOW_S + 600].sort());
  assert.deepEqual(recorder.counts, { expired: 3, sent: 3 });
  assert.equal(recorder.losses.length, 1);
  assert.equal(recorder.losses[0].decision, "expired");
  assert.equal(recorder.losses[0].points, 3);
  assert.ok(recorder.logs.some((line) => line.includes("expired 3 points")));
});

Deno.test("a batch that has wholly expired is dropped without a request", async () => {
  const { outcome, recorder, received } = await deliver(
    containerPoints(5, NOW_S - 7_200),
    "/api/v2/series",
  );
  assert.equal(outcome, "dropped");
  assert.equal(received.length, 0);
  assert.deepEqual(recorder.counts, { expired: 5 });
});

Deno.test("a full batch of every metric is split to stay within 10,000 values and 512,000 B", async () => {
  const points = containerPoints(1000, NOW_S - 1_800);
  const values = points.length * Object.keys(points[0].metrics).length;
  const encoded: number[] = [];
  const { outcome, recorder, received } = await deliver(
    points,
    "/api/v2/series",
    undefined,
    { encode: (spec, part) => (encoded.push(part.length), IN_THREAD.encode(spec, part)) },
  );
  assert.equal(outcome, "delivered");
  assert.deepEqual(encoded, [333, 333, 334], "split before encoding, each part encoded once");
  assert.equal(received.length, Math.ceil(values / 10_000));
  let total = 0;
  for (const request of received) {
    const count = series(request).reduce((sum, entry) => sum + entry.points.length, 0);
    assert.ok(count <= 10_000, `${count} values in one request`);
    total += count;
    assert.deepEqual(metricPayloadProblems(JSON.parse(request.text)), []);
  }
  assert.equal(total, values);
  assert.deepEqual(recorder.counts, { split: 1000, sent: 1000 });
});

Deno.test("403 (bad API key): dropped, the body logged, the key never logged", async () => {
  const body = '{"errors":["Forbidden"]}';
  const { outcome, recorder, received } = await deliver(
    containerPoints(3, NOW_S),
    "/api/v2/series",
    () => new Response(body, { status: 403 }),
  );
  assert.equal(outcome, "dropped");
  assert.equal(received.length, 1);
  assert.deepEqual(recorder.counts, { rejected: 3 });
  const line = recorder.logs.find((line) => line.includes(body));
  assert.match(
    line ?? recorder.logs.join(""),
    /"datadog" dropped 3 points .* sent to "http:\/\/127\.0\.0\.1:\d+\/api\/v2\/series \(Datadog site datadoghq\.com\)": 'HTTP 403/,
  );
  assertKeyOnlyInHeader(received, recorder.logs);
});
