/**
 * Tests of the InfluxDB sink's endpoints and authentication (1.x and 2.x) against a local scripted server.
 *
 * @module
 */
import assert from "node:assert/strict";
import { envFrom } from "../../../shared/config/mod.ts";
import { influxdbConfig } from "./config.ts";
import { InfluxdbSink } from "./sink.ts";
import { lineProtocol } from "./encode.ts";
import { containerPoints } from "../../../tests/support/points.ts";
import { scriptedServer } from "../../../tests/support/scripted_server.ts";

const counters = { count: () => {} };

/** Delivers through an InfluxDB sink configured from `settings` (address added) to a local server. */
async function deliver(settings: Record<string, string>, prefix = "") {
  const server = scriptedServer(() => new Response(null, { status: 204 }));
  try {
    const config = influxdbConfig(envFrom({
      AGGREGATOR_INFLUXDB_CONFIGURATION: JSON.stringify({
        address: new URL(prefix, server.url).href,
        ...settings,
      }),
    }))!;
    const points = containerPoints(20, 1_764_000_000);
    const sink = new InfluxdbSink(config, { counters });
    const outcome = await sink.deliver(points, new AbortController().signal);
    assert.equal(outcome, "delivered");
    assert.equal(server.received.length, 1);
    const [request] = server.received;
    assert.equal(request.headers.get("content-encoding"), "gzip");
    assert.equal(request.text, lineProtocol(points));
    return request;
  } finally {
    await server.close();
  }
}

Deno.test("InfluxDB 1.x: /write?db= with second precision and basic auth", async () => {
  const request = await deliver({ username: "writer", password: "p:ss w", database: "metrics" });
  assert.equal(request.url.pathname, "/write");
  assert.deepEqual(Object.fromEntries(request.url.searchParams), { db: "metrics", precision: "s" });
  assert.equal(request.headers.get("authorization"), `Basic ${btoa("writer:p:ss w")}`);
});

Deno.test("InfluxDB 1.x without credentials sends no Authorization header", async () => {
  const request = await deliver({ database: "metrics" });
  assert.equal(request.headers.get("authorization"), null);
});

Deno.test("InfluxDB 2.x: /api/v2/write?org=&bucket= with the token, under the address's path", async () => {
  const request = await deliver({ token: "t0k3n", org: "acme", bucket: "enclave" }, "/influx/");
  assert.equal(request.url.pathname, "/influx/api/v2/write");
  assert.deepEqual(Object.fromEntries(request.url.searchParams), {
    org: "acme",
    bucket: "enclave",
    precision: "s",
  });
  assert.equal(request.headers.get("authorization"), "Token t0k3n");
});
