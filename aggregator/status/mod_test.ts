import assert from "node:assert/strict";
import { listenMetrics } from "../server/metrics_listener.ts";
import { Stats } from "../stats.ts";
import { StatusPage } from "./mod.ts";

Deno.test("the metrics listener serves the page and its JSON read-only, with a strict policy", async () => {
  const stats = new Stats();
  let nowMs = 1_800_000_000_000;
  const status = new StatusPage({
    sinks: ["influxdb"],
    stats: () => stats.snapshot({ depth: 4, oldestAgeMs: 9_000, bytes: 400, writable: true }),
    backlog: () => ({ depth: 4, oldestAgeMs: 9_000 }),
    problem: () => ({ message: "HTTP 401: token tok-secret refused", atMs: nowMs - 1 }),
    serving: () => true,
    refreshMs: 4_000,
    secrets: ["tok-secret"],
    now: () => nowMs,
  });
  const listener = await listenMetrics({
    address: { host: "127.0.0.1", port: 0 },
    metrics: { contentType: "text/plain", exposition: () => Promise.resolve("") },
    serving: () => true,
    pages: status,
  });
  const base = `http://127.0.0.1:${listener.description.split(":").pop()}`;
  try {
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type")!, /^text\/html/);
    const policy = page.headers.get("content-security-policy")!;
    assert.match(policy, /default-src 'none'/);
    assert.match(policy, /connect-src 'self'/);
    assert.match(policy, /script-src 'sha256-[A-Za-z0-9+/]+=*'/);
    const html = await page.text();
    assert.ok(!/<(script|link|img)[^>]+(src|href)=/i.test(html), "the page loads nothing else");

    stats.call("publish_batch");
    status.observe([{
      time: nowMs / 1000,
      tags: { environment: "e", service: "s", container: "c1", host_name: "h" },
      metrics: { running: 1, milli_cpu_usage: 5 },
    }]);
    const json = await (await fetch(`${base}/api/status`)).json();
    assert.equal(json.containers.length, 1);
    assert.equal(json.refreshMs, 4_000);
    assert.deepEqual(json.destinations, [{
      sink: "influxdb",
      deliveredPerSecond: 0,
      points: {},
      spoolDepth: 4,
      oldestAgeMs: 9_000,
      lastError: { message: "HTTP 401: token *** refused", atMs: nowMs - 1 },
    }]);
    // Within half a refresh period the same snapshot answers; after it, a new one.
    status.observe([{
      time: nowMs / 1000,
      tags: { environment: "e", service: "s", container: "c2", host_name: "h" },
      metrics: { running: 1 },
    }]);
    assert.equal((await (await fetch(`${base}/api/status`)).json()).containers.length, 1);
    nowMs += 2_000;
    assert.equal((await (await fetch(`${base}/api/status`)).json()).containers.length, 2);

    for (const method of ["POST", "PUT", "DELETE"]) {
      for (const path of ["/", "/api/status"]) {
        const response = await fetch(`${base}${path}`, { method });
        assert.equal(response.status, 405, `${method} ${path}`);
        await response.body?.cancel();
      }
    }
    assert.equal(
      (await fetch(`${base}/api/other`).then(async (r) => [r.status, await r.text()]))[0],
      404,
    );
  } finally {
    await listener.close(AbortSignal.timeout(1000));
  }
});
