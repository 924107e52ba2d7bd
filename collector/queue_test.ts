import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import { setupLogging } from "../shared/log.ts";
import { PointQueue } from "./queue.ts";

const T0 = 1_764_000_000;
const TAGS = { environment: "test", service: "web" };
const entry = (second: number) => ({
  tags: TAGS,
  point: create(PublishRequestSchema, { unixTime: BigInt(T0 + second) }),
});
const times = (queue: PointQueue) => queue.entries.map((e) => Number(e.point.unixTime) - T0);

function captureLogs(): string[] {
  const lines: string[] = [];
  setupLogging({ debug: false, json: true, write: (line) => lines.push(line) });
  return lines;
}

Deno.test("a full queue drops its oldest points, logging each one's timestamp", () => {
  const lines = captureLogs();
  const queue = new PointQueue(3);
  for (let second = 0; second < 5; second++) queue.push(entry(second));
  assert.deepEqual(times(queue), [2, 3, 4]);
  assert.equal(queue.dropped, 2);
  const records = lines.map((line) => JSON.parse(line));
  assert.deepEqual(records.map((r) => r.properties.unixTime), [T0, T0 + 1]);
  assert.deepEqual(records.map((r) => r.properties.dropped), [1, 2]);
  assert.equal(records[0].level, "WARN");
  assert.match(
    records[1].message,
    /sampled at "2025-11-24T16:00:01Z"; 2 dropped so far/,
  );
});

Deno.test("the point being sent is not dropped under it; the next oldest goes instead", () => {
  captureLogs();
  const queue = new PointQueue(2);
  queue.push(entry(0));
  queue.sending(queue.entries.slice(0, 1));
  for (let second = 1; second < 5; second++) queue.push(entry(second));
  assert.deepEqual(times(queue), [0, 3, 4]);
  assert.equal(queue.dropped, 2);
  queue.remove(queue.entries.slice(0, 1));
  queue.push(entry(5));
  assert.deepEqual(times(queue), [4, 5]);
  assert.equal(queue.dropped, 3);
});

Deno.test("a batch in flight is kept whole; drops take the oldest waiting points", () => {
  captureLogs();
  const queue = new PointQueue(2);
  for (let second = 0; second < 3; second++) queue.push(entry(second));
  assert.deepEqual(times(queue), [1, 2]);
  queue.sending(queue.entries);
  for (let second = 3; second < 6; second++) queue.push(entry(second));
  assert.deepEqual(times(queue), [1, 2, 4, 5]);
  queue.remove(queue.entries.slice(0, 2));
  assert.deepEqual(times(queue), [4, 5]);
  queue.push(entry(6));
  assert.deepEqual(times(queue), [5, 6], "the in-flight mark is cleared by remove");
});

Deno.test("removing a point that was dropped meanwhile changes nothing", () => {
  captureLogs();
  const queue = new PointQueue(1);
  const first = entry(0);
  queue.push(first);
  queue.push(entry(1));
  queue.remove([first]);
  assert.deepEqual(times(queue), [1]);
});

Deno.test("waitForPoint resolves on a push or on abort", async () => {
  const queue = new PointQueue(1);
  const waiting = queue.waitForPoint(new AbortController().signal);
  queue.push(entry(0));
  await waiting;
  queue.remove(queue.entries);
  const abort = new AbortController();
  const aborted = queue.waitForPoint(abort.signal);
  abort.abort();
  await aborted;
  assert.equal(queue.length, 0);
});
