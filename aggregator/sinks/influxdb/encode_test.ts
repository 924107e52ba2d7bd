import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import type { Point } from "../../stored_point.ts";
import { encodeLines, escapeTag, lineProtocol } from "./encode.ts";

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
    disk_usage_mb: -1,
    memory_pressure_some_avg10: 1.25,
    io_pressure_full_avg10: 0,
  },
};

Deno.test("a point is one line: sorted non-empty tags, typed fields, seconds", () => {
  assert.equal(
    lineProtocol([point, { ...point, time: 1_764_000_030, metrics: { running: 0 } }]),
    "metrics,container=0123456789ab,environment=prod,host_name=0123456789ab,service=web " +
      "running=true,milli_cpu_usage=250i,disk_usage_mb=-1i,memory_pressure_some_avg10=1.25," +
      "io_pressure_full_avg10=0 1764000000\n" +
      "metrics,container=0123456789ab,environment=prod,host_name=0123456789ab,service=web " +
      "running=false 1764000030\n",
  );
});

Deno.test("commas, spaces and equals signs in tags are escaped", () => {
  assert.equal(escapeTag("a b,c=d"), "a\\ b\\,c\\=d");
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
