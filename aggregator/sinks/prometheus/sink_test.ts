/**
 * Tests of the Prometheus sink against a local scripted server: the
 * remote-write headers and body, the credentials in `Authorization` only, and
 * the shared delivery policy on 500, 429, 400 and 401.
 *
 * @module
 */
import assert from "node:assert/strict";
// @ts-types="@types/snappyjs"
import { uncompress } from "snappyjs";
import { fromBinary } from "@bufbuild/protobuf";
import { WriteRequestSchema } from "../../../shared/gen/prometheus/remote_pb.ts";
import { envFrom } from "../../../shared/config/mod.ts";
import { prometheusConfig } from "./config.ts";
import type { Point } from "../../stored_point.ts";
import { PrometheusSink } from "./sink.ts";
import { encodeWriteRequest } from "./encode.ts";
import { containerPoints } from "../../../tests/support/points.ts";
import {
  type Received,
  type Reply,
  scriptedServer,
} from "../../../tests/support/scripted_server.ts";
import { DeliveryRecorder } from "../../../tests/support/delivery_recorder.ts";

const PASSWORD = "s3cr3t-p4ss";
const TOKEN = "t0k3n-b34r3r";
const QUICK = { baseMs: 1, capMs: 5 };

/** Delivers `points` through a sink configured with `settings` to a server answering `reply`. */
async function deliver(
  points: Point[],
  settings: Record<string, unknown>,
  reply: (request: Received, index: number) => Reply = () => new Response(null, { status: 204 }),
) {
  const server = scriptedServer(reply);
  try {
    const config = prometheusConfig(envFrom({
      AGGREGATOR_PROMETHEUS_CONFIGURATION: JSON.stringify({
        url: new URL("/api/v1/write", server.url).href,
        ...settings,
      }),
    }))!;
    const recorder = new DeliveryRecorder().captureLogs(true);
    const sink = new PrometheusSink(config, {
      counters: recorder,
      losses: recorder,
      backoff: QUICK,
    });
    const outcome = await sink.deliver(points, new AbortController().signal);
    return { outcome, recorder, received: server.received };
  } finally {
    await server.close();
  }
}

/** The containers whose points a request carries. */
function containers(request: Received): Set<string> {
  const body = fromBinary(WriteRequestSchema, uncompress(request.bytes));
  return new Set(
    body.timeseries.map((series) =>
      series.labels.find((label) => label.name === "container")!.value
    ),
  );
}

function assertSecretOnlyInHeader(received: Received[], logs: string[], secret: string) {
  for (const request of received) {
    assert.ok(!request.url.href.includes(secret), "secret in the URL");
    assert.ok(!new TextDecoder().decode(uncompress(request.bytes)).includes(secret));
  }
  assert.ok(logs.every((line) => !line.includes(secret)), "secret in a log line");
}

Deno.test("remote write 1.0: snappy protobuf with its three headers, basic auth in the header only", async () => {
  const points = containerPoints(100, 1_764_000_000);
  const labels = { region: "eu" };
  const { outcome, recorder, received } = await deliver(points, {
    basic_auth: { username: "writer", password: PASSWORD },
    labels,
  });
  assert.equal(outcome, "delivered");
  assert.equal(received.length, 1);
  const [request] = received;
  assert.equal(request.method, "POST");
  assert.equal(request.url.pathname, "/api/v1/write");
  assert.equal(request.headers.get("content-type"), "application/x-protobuf");
  assert.equal(request.headers.get("content-encoding"), "snappy");
  assert.equal(request.headers.get("x-prometheus-remote-write-version"), "0.1.0");
  assert.equal(request.headers.get("authorization"), `Basic ${btoa(`writer:${PASSWORD}`)}`);
  assert.deepEqual(request.bytes, encodeWriteRequest(points, labels).body);
  assert.deepEqual(recorder.counts, { sent: 100 });
  assertSecretOnlyInHeader(received, recorder.logs, PASSWORD);
});

Deno.test("a bearer token goes in Authorization; without credentials there is none", async () => {
  const points = containerPoints(2, 1_764_000_000);
  const bearer = await deliver(points, { bearer_token: TOKEN });
  assert.equal(bearer.received[0].headers.get("authorization"), `Bearer ${TOKEN}`);
  assertSecretOnlyInHeader(bearer.received, bearer.recorder.logs, TOKEN);
  const anonymous = await deliver(points, {});
  assert.equal(anonymous.received[0].headers.get("authorization"), null);
});

Deno.test("500 and 429 are retried, then the same request is delivered", async () => {
  const points = containerPoints(10, 1_764_000_000);
  const { outcome, recorder, received } = await deliver(
    points,
    {},
    (_, index) =>
      index === 0
        ? new Response("storage busy", { status: 500 })
        : index === 1
        ? new Response("slow down", { status: 429, headers: { "Retry-After": "0" } })
        : new Response(null, { status: 204 }),
  );
  assert.equal(outcome, "delivered");
  assert.equal(received.length, 3);
  assert.deepEqual(received[2].bytes, received[0].bytes);
  assert.deepEqual(recorder.counts, { retried: 20, sent: 10 });
});

Deno.test("5xx outlasting retry_count defers the batch, nothing dropped", async () => {
  const points = containerPoints(10, 1_764_000_000);
  const { outcome, recorder, received } = await deliver(
    points,
    { retry_count: 2 },
    () => new Response("down", { status: 503 }),
  );
  assert.equal(outcome, "deferred");
  assert.equal(received.length, 3);
  assert.deepEqual(recorder.counts, { retried: 20 });
  assert.equal(recorder.losses.length, 0);
});

Deno.test("400 for one bad point: halved until it is alone, only it is dropped", async () => {
  const points = containerPoints(8, 1_764_000_000, 8);
  const bad = points[5].tags.container;
  const { outcome, recorder, received } = await deliver(
    points,
    {},
    (request) =>
      containers(request).has(bad)
        ? new Response("out of order sample", { status: 400 })
        : new Response(null, { status: 204 }),
  );
  assert.equal(outcome, "delivered");
  assert.equal(recorder.counts.sent, 7);
  assert.equal(recorder.counts.rejected, 1);
  assert.equal(recorder.losses.length, 1);
  assert.match(recorder.losses[0].reason, /^a single point HTTP 400: out of order sample/);
  assert.ok(recorder.logs.some((line) => line.includes(`container ${bad} at`)));
  // 8 → 4+4 → 2+2 → 1+1: one request per level on the bad side, plus the good halves.
  assert.equal(received.length, 7);
});

Deno.test("401: dropped, counted and reported at once, no retry", async () => {
  const points = containerPoints(3, 1_764_000_000);
  const { outcome, recorder, received } = await deliver(
    points,
    { bearer_token: TOKEN },
    () => new Response("unauthorized", { status: 401 }),
  );
  assert.equal(outcome, "dropped");
  assert.equal(received.length, 1);
  assert.deepEqual(recorder.counts, { rejected: 3 });
  assert.match(recorder.losses[0].reason, /^HTTP 401: unauthorized/);
  assert.ok(recorder.logs.some((line) => line.includes("unauthorized")));
  assertSecretOnlyInHeader(received, recorder.logs, TOKEN);
});
