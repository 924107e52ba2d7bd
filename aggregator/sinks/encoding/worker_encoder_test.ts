import assert from "node:assert/strict";
import { containerPoints } from "../../../tests/support/points.ts";
import { workerSource } from "./bundle.ts";
import { encodePayload, type PayloadSpec } from "./formats.ts";
import { WorkerEncoder } from "./worker_encoder.ts";
import type { Payload } from "../http/payload.ts";
import { encodeRow, RowBody, RowPoint } from "../../spool/rows/mod.ts";

/** A payload with its body as a plain Uint8Array (node:zlib's are Buffers). */
function plain(payload: Payload): Payload {
  return { ...payload, body: new Uint8Array(payload.body) };
}

const SPECS: PayloadSpec[] = [
  { format: "datadog-v1", sendHost: true },
  { format: "datadog-v2", sendHost: false },
  { format: "influxdb" },
  { format: "prometheus", labels: { cluster: "a" } },
  { format: "stdout" },
];

Deno.test("the worker's bundle is made from the current sources", async () => {
  const committed = await Deno.readTextFile(new URL("./gen/worker_source.ts", import.meta.url));
  assert.ok(
    committed === await workerSource(),
    "gen/worker_source.ts is stale: run aggregator/sinks/encoding/bundle.ts",
  );
});

Deno.test("the worker builds the same bodies as the sinks' encoders, for every format", async () => {
  const points = containerPoints(300, Math.floor(Date.now() / 1000) - 600);
  points[7].metrics.disk_usage_mb = -1;
  const encoder = new WorkerEncoder();
  try {
    const payloads = await Promise.all(SPECS.map((spec) => encoder.encode(spec, points)));
    for (const [index, spec] of SPECS.entries()) {
      const expected = encodePayload(spec, points);
      assert.deepEqual(plain(payloads[index]), plain(expected), spec.format);
    }
  } finally {
    encoder.close();
  }
});

Deno.test("points read from the spool go to the worker as their rows, gaps and all", async () => {
  const points = containerPoints(250, Math.floor(Date.now() / 1000) - 600);
  const rows = [points.slice(0, 100), points.slice(100, 180), points.slice(180)]
    .map((call) => new RowBody(encodeRow(call)));
  const read = rows.flatMap((row, r) =>
    Array.from({ length: [100, 80, 70][r] }, (_, index) => new RowPoint(row, index))
  );
  // What a sink may pass on: a slice across rows with some points filtered out.
  const passed = read.slice(50, 200).filter((_, index) => index % 7 !== 3);
  const expected = points.slice(50, 200).filter((_, index) => index % 7 !== 3);
  const encoder = new WorkerEncoder();
  try {
    for (const spec of SPECS) {
      assert.deepEqual(
        plain(await encoder.encode(spec, passed)),
        plain(encodePayload(spec, expected)),
        spec.format,
      );
    }
  } finally {
    encoder.close();
  }
});

Deno.test("a job that fails is an error for its caller only; the worker goes on", async () => {
  const points = containerPoints(5, 1_764_000_000);
  const encoder = new WorkerEncoder();
  try {
    const broken = encoder.encode({ format: "unknown" } as unknown as PayloadSpec, points);
    const good = encoder.encode({ format: "influxdb" }, points);
    await assert.rejects(broken, /^Error: encoding failed: Error: no payload format unknown$/);
    assert.deepEqual(plain(await good), plain(encodePayload({ format: "influxdb" }, points)));
  } finally {
    encoder.close();
  }
});

Deno.test("closing the encoder fails the jobs still waiting", async () => {
  const encoder = new WorkerEncoder();
  const waiting = encoder.encode({ format: "stdout" }, containerPoints(2000, 1_764_000_000));
  encoder.close();
  await assert.rejects(waiting, /the encoding worker was closed/);
});
