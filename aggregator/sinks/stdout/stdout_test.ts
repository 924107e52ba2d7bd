import assert from "node:assert/strict";
import { StdoutSink } from "./stdout.ts";

Deno.test("one JSON line per point, with RFC 3339 and Unix time, tags and metrics", async () => {
  const written: string[] = [];
  const sink = new StdoutSink((bytes) => {
    written.push(new TextDecoder().decode(bytes));
    return Promise.resolve();
  });
  const tags = { environment: "e", service: "s", container: "c", host_name: "h" };
  const outcome = await sink.deliver([
    { time: 1_700_000_000, tags, metrics: { running: 1, milli_cpu_usage: 250 } },
    { time: 1_700_000_030, tags: { ...tags, app: "a" }, metrics: { cpu_pressure_some_avg10: 0.5 } },
  ], new AbortController().signal);
  assert.equal(outcome, "delivered");
  assert.equal(written.length, 1);
  const lines = written[0].split("\n");
  assert.equal(lines.pop(), "");
  assert.deepEqual(lines.map((line) => JSON.parse(line)), [
    {
      time: "2023-11-14T22:13:20Z",
      unix_time: 1_700_000_000,
      tags,
      metrics: { running: 1, milli_cpu_usage: 250 },
    },
    {
      time: "2023-11-14T22:13:50Z",
      unix_time: 1_700_000_030,
      tags: { ...tags, app: "a" },
      metrics: { cpu_pressure_some_avg10: 0.5 },
    },
  ]);
});
