import assert from "node:assert/strict";
import { AggregatorMetrics } from "../metrics.ts";
import { Stats } from "../stats.ts";
import { MAX_HEAD_BYTES } from "./http1_exchange.ts";
import { listenMetrics, TIMEOUTS } from "./metrics_listener.ts";

async function get(base: string, path: string, method = "GET"): Promise<[number, string]> {
  const response = await fetch(`${base}${path}`, { method });
  return [response.status, await response.text()];
}

Deno.test("the metrics listener serves /metrics and /healthz over HTTP/1.1, then closes", async () => {
  const stats = new Stats();
  let serving = true;
  const metrics = new AggregatorMetrics({
    stats,
    spool: () => ({ depth: 2, oldestAgeMs: 3000, bytes: 120, writable: true }),
    serving: () => serving,
    sinks: ["stdout"],
  });
  const listener = await listenMetrics({
    address: { host: "127.0.0.1", port: 0 },
    metrics,
    serving: () => serving,
  });
  const port = Number(/^metrics 127\.0\.0\.1:(\d+)$/.exec(listener.description)?.[1]);
  assert.ok(port > 0, listener.description);
  const base = `http://127.0.0.1:${port}`;
  try {
    stats.accept(3);
    const response = await fetch(`${base}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    assert.match(text, /^mini_collector_aggregator_points_accepted_total 3$/m);
    assert.match(text, /^mini_collector_aggregator_spool_points 2$/m);
    assert.deepEqual(await get(base, "/healthz"), [200, "serving\n"]);
    serving = false;
    assert.deepEqual(await get(base, "/healthz"), [503, "not serving\n"]);
    assert.match(await fetch(`${base}/metrics`).then((r) => r.text()), /_serving 0$/m);
    assert.deepEqual(await get(base, "/other"), [404, "not found\n"]);
    assert.deepEqual(await get(base, "/metrics", "POST"), [405, "method not allowed\n"]);
  } finally {
    await listener.close(AbortSignal.timeout(1000));
  }
  await assert.rejects(fetch(`${base}/healthz`), TypeError);
});

/** Sends `bytes` on a fresh connection to `port`; everything the server answers until it closes. */
async function raw(port: number, bytes: Uint8Array): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(bytes);
    const chunks: Uint8Array[] = [];
    const buffer = new Uint8Array(4096);
    for (let read; (read = await conn.read(buffer)) !== null;) chunks.push(buffer.slice(0, read));
    return new TextDecoder().decode(new Uint8Array(chunks.flatMap((chunk) => [...chunk])));
  } finally {
    conn.close();
  }
}

Deno.test("a malformed, an over-size and a silent request are refused or let go", async () => {
  const listener = await listenMetrics({
    address: { host: "127.0.0.1", port: 0 },
    metrics: { contentType: "text/plain", exposition: () => Promise.resolve("") },
    serving: () => true,
  });
  const port = Number(listener.description.split(":").pop());
  const encode = (text: string) => new TextEncoder().encode(text);
  try {
    assert.match(await raw(port, encode("hello\r\n\r\n")), /^HTTP\/1\.1 400 /);
    // Exactly the most a head may take, with no end in it: nothing is left unread.
    const huge = encode("GET /metrics HTTP/1.1\r\nx: ".padEnd(MAX_HEAD_BYTES, "a"));
    assert.match(await raw(port, huge), /^HTTP\/1\.1 431 /);
    const started = Date.now();
    assert.equal(await raw(port, encode("GET /metr")), "");
    const held = Date.now() - started;
    assert.ok(held >= TIMEOUTS.idleMs - 100 && held < TIMEOUTS.idleMs + 1_500, `held ${held} ms`);
  } finally {
    await listener.close(AbortSignal.timeout(1000));
  }
});
