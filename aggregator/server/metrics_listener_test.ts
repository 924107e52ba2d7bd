import assert from "node:assert/strict";
import { AggregatorMetrics } from "../metrics.ts";
import { Stats } from "../stats.ts";
import { listenMetrics } from "./metrics_listener.ts";

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
