/**
 * Tests of the stdout sink: a batch is written in one piece, one line per point.
 *
 * @module
 */
import assert from "node:assert/strict";
import { StdoutSink } from "./sink.ts";
import { pointLine } from "./encode.ts";
import type { Point } from "../../stored_point.ts";

const tags = { environment: "e", service: "s", container: "c", host_name: "h" };
const points: Point[] = [
  { time: 1_700_000_000, tags, metrics: { running: 1, milli_cpu_usage: 250 } },
  { time: 1_700_000_030, tags: { ...tags, app: "a" }, metrics: { cpu_pressure_some_avg10: 0.5 } },
];

Deno.test("a batch is written in one piece, one line per point", async () => {
  const written: string[] = [];
  const sink = new StdoutSink((bytes) => {
    written.push(new TextDecoder().decode(bytes));
    return Promise.resolve();
  });
  const outcome = await sink.deliver(points, new AbortController().signal);
  assert.equal(outcome, "delivered");
  assert.deepEqual(written, [points.map((point) => pointLine(point) + "\n").join("")]);
});

Deno.test("a failed write throws (the delivery loop defers the batch); an aborted one is deferred", async () => {
  const closed = new StdoutSink(() => Promise.reject(new Deno.errors.BrokenPipe("closed pipe")));
  await assert.rejects(closed.deliver(points, new AbortController().signal), /closed pipe/);
  const aborted = new AbortController();
  aborted.abort();
  let writes = 0;
  const sink = new StdoutSink(() => Promise.resolve(void writes++));
  assert.equal(await sink.deliver(points, aborted.signal), "deferred");
  assert.equal(writes, 0);
});
