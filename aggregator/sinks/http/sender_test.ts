/**
 * Tests of the shared HTTP request policy against a local scripted server: retries, splits, drops, timeouts.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Point } from "../../stored_point.ts";
import type { BackoffPolicy } from "../../../shared/backoff.ts";
import { HttpSender, type RequestLimits } from "./sender.ts";
import { lineProtocol } from "../influxdb/encode.ts";
import { IN_THREAD, type PayloadEncoder } from "../encoding/formats.ts";
import { type Reply, scriptedServer } from "../../../tests/support/scripted_server.ts";
import { containerPoints } from "../../../tests/support/points.ts";
import { DeliveryRecorder } from "../../../tests/support/delivery_recorder.ts";

const FAST: BackoffPolicy = { baseMs: 20, capMs: 100 };

interface Run {
  points?: Point[];
  retryCount?: number;
  timeoutMs?: number;
  limits?: RequestLimits;
  malformedPointStatuses?: number[];
  signal?: AbortSignal;
  /** The URL to post to instead of the scripted server's. */
  url?: URL;
  encoder?: PayloadEncoder;
}

/** Delivers `points` (10 by default) with the policy to a server answering `reply`. */
async function run(
  reply: (lines: string[], index: number) => Reply | Promise<Reply>,
  options: Run = {},
) {
  const recorder = new DeliveryRecorder().captureLogs();
  const server = scriptedServer((request, index) =>
    reply(request.text.trimEnd().split("\n"), index)
  );
  const points = options.points ?? containerPoints(10, 1_764_000_000);
  try {
    const sender = new HttpSender(
      "test",
      {
        url: options.url ?? server.url,
        headers: { "Content-Encoding": "gzip", Authorization: "Token s3cr3t" },
        payload: { format: "influxdb" },
        limits: options.limits,
        malformedPointStatuses: options.malformedPointStatuses,
      },
      { timeoutMs: options.timeoutMs ?? 5_000, retryCount: options.retryCount ?? 3 },
      {
        counters: recorder,
        losses: recorder,
        backoff: FAST,
        retryAfterCapMs: 5_000,
        encoder: options.encoder,
      },
    );
    const started = performance.now();
    const outcome = await sender.send(points, options.signal ?? new AbortController().signal);
    return {
      outcome,
      recorder,
      received: server.received,
      points,
      elapsed: performance.now() - started,
    };
  } finally {
    await server.close();
  }
}

const status = (code: number, body = "", headers: Record<string, string> = {}) =>
  new Response(body || null, { status: code, headers });

Deno.test("202: delivered in one request, counted as sent, headers passed through", async () => {
  const { outcome, recorder, received, points } = await run(() => status(202));
  assert.equal(outcome, "delivered");
  assert.equal(received.length, 1);
  assert.equal(received[0].method, "POST");
  assert.equal(received[0].headers.get("authorization"), "Token s3cr3t");
  assert.equal(received[0].text.trimEnd().split("\n").length, points.length);
  assert.deepEqual(recorder.counts, { sent: 10 });
});

Deno.test("500, 408 and 429 are retried until the server accepts", async () => {
  const answers = [500, 408, 429, 204];
  const { outcome, recorder, received } = await run((_, index) => status(answers[index]));
  assert.equal(outcome, "delivered");
  assert.equal(received.length, 4);
  assert.deepEqual(recorder.counts, { retried: 30, sent: 10 });
  assert.equal(recorder.losses.length, 0);
});

Deno.test("429 with Retry-After waits as long as the server asked", async () => {
  const { outcome, received } = await run((_, index) =>
    index === 0 ? status(429, "slow down", { "Retry-After": "1" }) : status(202)
  );
  assert.equal(outcome, "delivered");
  assert.equal(received.length, 2);
  assert.ok(received[1].at - received[0].at >= 1_000, `${received[1].at - received[0].at} ms`);
});

Deno.test("retries exhausted: the batch is deferred, nothing dropped or reported lost", async () => {
  const { outcome, recorder, received } = await run(() => status(503, "busy"), { retryCount: 2 });
  assert.equal(outcome, "deferred");
  assert.equal(received.length, 3);
  assert.deepEqual(recorder.counts, { retried: 20 });
  assert.equal(recorder.losses.length, 0);
  assert.ok(
    recorder.logs.some((line) => line.includes("deferred to the next round after 3 tries")),
  );
});

Deno.test("413: halves are resent until each fits; every point arrives exactly once", async () => {
  const accepted: string[] = [];
  const { outcome, recorder, points } = await run((lines) => {
    if (lines.length > 3) return status(413, "too large");
    accepted.push(...lines);
    return status(204);
  }, { points: containerPoints(13, 1_764_000_000) });
  assert.equal(outcome, "delivered");
  assert.equal(accepted.length, points.length);
  assert.deepEqual(new Set(accepted).size, points.length);
  assert.deepEqual(accepted, encodeLinesText(points));
  assert.equal(recorder.counts.sent, 13);
  // 13 → 6 + 7 → 3 + 3 + 3 + 4 → 4 → 2 + 2: 13 + 6 + 7 + 4 points split.
  assert.equal(recorder.counts.split, 30);
});

Deno.test("413 for a single point: that point is dropped, the rest delivered", async () => {
  const accepted: string[] = [];
  const { outcome, recorder, points } = await run((lines) => {
    if (lines.length > 1 || lines[0].includes("c000003")) return status(413, "too large");
    accepted.push(...lines);
    return status(204);
  }, { points: containerPoints(4, 1_764_000_000) });
  assert.equal(outcome, "delivered");
  assert.equal(accepted.length, 3);
  assert.equal(recorder.counts.rejected, 1);
  assert.equal(recorder.counts.sent, 3);
  assert.equal(recorder.losses.length, 1);
  assert.match(recorder.losses[0].reason, /^a single point HTTP 413: too large/);
  assert.ok(!accepted.includes(encodeLinesText(points)[3]));
});

Deno.test("a malformed-point status halves the request until only the bad points are dropped", async () => {
  const accepted: string[] = [];
  const bad = ["c000003", "c00000c"];
  const { outcome, recorder, points } = await run((lines) => {
    const offending = lines.filter((line) => bad.some((container) => line.includes(container)));
    if (offending.length > 0) return status(400, `{"error":"unable to parse '${offending[0]}'"}`);
    accepted.push(...lines);
    return status(204);
  }, { points: containerPoints(16, 1_764_000_000), malformedPointStatuses: [400] });
  assert.equal(outcome, "delivered");
  const lines = encodeLinesText(points);
  assert.deepEqual(
    accepted.toSorted(),
    lines.filter((line) => !bad.some((container) => line.includes(container))).toSorted(),
  );
  assert.equal(recorder.counts.sent, 14);
  assert.equal(recorder.counts.rejected, 2);
  assert.deepEqual(recorder.losses.map((loss) => loss.points), [1, 1]);
  for (const container of bad) {
    const line = recorder.logs.find((line) => line.includes(`container ${container} at`));
    assert.ok(line, recorder.logs.join(""));
    assert.match(line, /dropped 1 points .*a single point HTTP 400: .*unable to parse/);
  }
});

for (const code of [400, 403]) {
  Deno.test(`${code}: dropped at once, logged at error level with the body, reported lost`, async () => {
    const body = `{"errors":["refused with ${code}"]}`;
    const { outcome, recorder, received } = await run(() => status(code, body));
    assert.equal(outcome, "dropped");
    assert.equal(received.length, 1);
    assert.deepEqual(recorder.counts, { rejected: 10 });
    assert.deepEqual(recorder.losses, [
      { sink: "test", decision: "dropped", points: 10, reason: `HTTP ${code}: ${body}` },
    ]);
    const line = recorder.logs.find((line) => line.includes(body));
    assert.ok(line, recorder.logs.join(""));
    assert.match(line, /\bERR\b|error/i);
    assert.match(line, /"test" dropped 10 points .* sent to "http:\/\/127\.0\.0\.1:\d+\/": 'HTTP/);
    assert.ok(recorder.logs.every((line) => !line.includes("s3cr3t")));
    assert.deepEqual(recorder.problems, [`10 points dropped: HTTP ${code}: ${body}`]);
  });
}

Deno.test("a server that hangs times out each attempt, then the batch is deferred", async () => {
  const { outcome, recorder, received, elapsed } = await run(() => "hang", {
    timeoutMs: 200,
    retryCount: 1,
  });
  assert.equal(outcome, "deferred");
  assert.equal(received.length, 2);
  assert.ok(elapsed >= 400, `${elapsed} ms`);
  assert.deepEqual(recorder.counts, { retried: 10 });
  assert.ok(recorder.logs.some((line) => line.includes("no answer within 200 ms")));
});

Deno.test("network errors are retried, then the batch is deferred", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = new URL(`http://127.0.0.1:${listener.addr.port}/`);
  listener.close();
  const { outcome, recorder, received } = await run(() => status(204), {
    url: closedPort,
    retryCount: 2,
  });
  assert.equal(outcome, "deferred");
  assert.equal(received.length, 0);
  assert.deepEqual(recorder.counts, { retried: 20 });
  assert.ok(recorder.logs.some((line) => line.includes("network error")));
  // Each failed try is the sink's last problem in turn (the status page shows the latest).
  assert.equal(recorder.problems.length, 3);
  assert.ok(recorder.problems.every((problem) => problem.startsWith("network error")));
});

Deno.test("aborting the signal cancels the request in flight and defers the batch", async () => {
  const controller = new AbortController();
  const { outcome, recorder, received, elapsed } = await run(() => {
    setTimeout(() => controller.abort(), 50);
    return "hang";
  }, { signal: controller.signal, timeoutMs: 30_000 });
  assert.equal(outcome, "deferred");
  assert.equal(received.length, 1);
  assert.ok(elapsed < 10_000, `${elapsed} ms`);
  assert.deepEqual(recorder.counts, {});
});

Deno.test("batches over the request limits are split before sending", async () => {
  const sizes: number[] = [];
  const { outcome, recorder } = await run((lines) => {
    sizes.push(lines.length);
    return status(202);
  }, { limits: { maxBodyBytes: 1e9, maxRawBytes: 1e9, maxValues: 4 } });
  assert.equal(outcome, "delivered");
  assert.deepEqual(sizes, [3, 3, 4]);
  assert.deepEqual(recorder.counts, { split: 10, sent: 10 });
});

Deno.test("the next part's body is built while the part before it is sent", async () => {
  const events: string[] = [];
  const encoder: PayloadEncoder = {
    encode(spec, points) {
      events.push(`encode ${points.length}`);
      return IN_THREAD.encode(spec, points);
    },
  };
  const { outcome } = await run((lines) => {
    events.push(`received ${lines.length}`);
    return status(202);
  }, { limits: { maxBodyBytes: 1e9, maxRawBytes: 1e9, maxValues: 4 }, encoder });
  assert.equal(outcome, "delivered");
  assert.deepEqual(events, [
    "encode 3",
    "encode 3",
    "received 3",
    "encode 4",
    "received 3",
    "received 4",
  ]);
});

function encodeLinesText(points: Point[]): string[] {
  return lineProtocol(points).trimEnd().split("\n");
}

Deno.test("once a part of a split batch is deferred, the parts after it wait too", async () => {
  const { outcome, recorder, received } = await run(
    (_, index) => index === 0 ? status(202) : status(503),
    { limits: { maxBodyBytes: 1e9, maxRawBytes: 1e9, maxValues: 4 }, retryCount: 0 },
  );
  assert.equal(outcome, "deferred");
  assert.equal(received.length, 2);
  assert.deepEqual(recorder.counts, { split: 10, sent: 3 });
});
