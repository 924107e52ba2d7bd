/**
 * Tests of the line protocol encoding: typed fields, escaping, unknown values.
 *
 * @module
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import type { Point } from "../../stored_point.ts";
import { encodeLines, escapeKey, escapeMeasurement, lineProtocol } from "./encode.ts";

const point: Point = {
  time: 1_764_000_000,
  tags: {
    environment: "prod",
    service: "web",
    container: "0123456789ab",
    host_name: "0123456789ab",
    app: "",
  },
  metrics: {
    running: 1,
    milli_cpu_usage: 250,
    disk_read_kbps: 0,
    memory_pressure_some_avg10: 1.25,
    io_pressure_full_avg10: 0,
  },
};

Deno.test("a point is one line: sorted non-empty tags, typed fields, seconds", () => {
  assert.equal(
    lineProtocol([point, { ...point, time: 1_764_000_030, metrics: { running: 0 } }]),
    "metrics,container=0123456789ab,environment=prod,host_name=0123456789ab,service=web " +
      "running=true,milli_cpu_usage=250i,disk_read_kbps=0i,memory_pressure_some_avg10=1.25," +
      "io_pressure_full_avg10=0 1764000000\n" +
      "metrics,container=0123456789ab,environment=prod,host_name=0123456789ab,service=web " +
      "running=false 1764000030\n",
  );
});

Deno.test("unknown (negative) values are left out; the point's other fields stay", () => {
  const unknownDisk = {
    ...point,
    metrics: { running: 1, disk_usage_mb: -1, disk_limit_mb: -1, disk_read_kbps: 0 },
  };
  assert.equal(
    lineProtocol([unknownDisk]),
    "metrics,container=0123456789ab,environment=prod,host_name=0123456789ab,service=web " +
      "running=true,disk_read_kbps=0i 1764000000\n",
  );
});

Deno.test("a point with no value to write has no line (a line needs a field)", () => {
  const nothingKnown = { ...point, metrics: { disk_usage_mb: -1, disk_limit_mb: -1 } };
  assert.equal(lineProtocol([nothingKnown, point]), lineProtocol([point]));
});

Deno.test("tag keys and values escape commas, equals signs and spaces; measurements commas and spaces", () => {
  assert.equal(escapeKey("a b,c=d"), "a\\ b\\,c\\=d");
  assert.equal(escapeMeasurement("a b,c=d"), "a\\ b\\,c=d");
  assert.equal(escapeKey("C:\\temp"), "C:\\temp", "a backslash before another character stays");
  const tagged = {
    ...point,
    tags: { ...point.tags, service: "web api,v=2" },
    metrics: { running: 1 },
  };
  assert.equal(
    lineProtocol([tagged]),
    "metrics,container=0123456789ab,environment=prod,host_name=0123456789ab," +
      "service=web\\ api\\,v\\=2 running=true 1764000000\n",
  );
});

Deno.test("the request body is the gzipped line protocol", () => {
  const payload = encodeLines([point]);
  const text = new TextDecoder().decode(gunzipSync(payload.body));
  assert.equal(text, lineProtocol([point]));
  assert.equal(payload.rawBytes, text.length);
  assert.equal(payload.values, 1);
});
