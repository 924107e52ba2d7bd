import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { setupLogging } from "../shared/log.ts";
import { pollEvery, type PollTime } from "./loop.ts";
import { delay } from "../shared/async/mod.ts";

const START = Date.UTC(2026, 0, 1);

function install() {
  return FakeTimers.install({
    now: START,
    toFake: ["setTimeout", "clearTimeout", "Date", "performance"],
  });
}

Deno.test("polls once per interval on a fixed grid", async () => {
  const clock = install();
  try {
    const polls: PollTime[] = [];
    const stop = new AbortController();
    const loop = pollEvery(1000, async (time) => {
      polls.push(time);
      await delay(30); // a poll takes time; the grid does not drift by it
    }, stop.signal);
    await clock.tickAsync(4_500);
    stop.abort();
    await clock.runAllAsync();
    await loop;
    assert.deepEqual(polls.map((p) => p.wallMs - START), [0, 1000, 2000, 3000, 4000]);
    const monotonic = polls.map((p) => p.monotonicMs - polls[0].monotonicMs);
    assert.deepEqual(monotonic, [0, 1000, 2000, 3000, 4000]);
  } finally {
    clock.uninstall();
  }
});

Deno.test("after a slow poll it skips to now instead of bursting", async () => {
  const lines: string[] = [];
  setupLogging({ debug: false, json: true, write: (line) => lines.push(line) });
  const clock = install();
  try {
    const polls: number[] = [];
    const stop = new AbortController();
    const loop = pollEvery(1000, async ({ wallMs }) => {
      polls.push(wallMs - START);
      if (polls.length === 2) await delay(3_500); // stuck for three and a half intervals
    }, stop.signal);
    await clock.tickAsync(7_000);
    stop.abort();
    await clock.runAllAsync();
    await loop;
    // The slow poll started at 1000 and ended at 4500: one poll then, none for 2000–4000.
    assert.deepEqual(polls, [0, 1000, 4500, 5500, 6500]);
    for (let i = 1; i < polls.length; i++) assert.ok(polls[i] - polls[i - 1] >= 1000);
    const warnings = lines.map((line) => JSON.parse(line)).filter((r) => r.level === "WARN");
    assert.equal(warnings.length, 1);
    assert.deepEqual(warnings[0].properties, { behindMs: 2500, skipped: 2 });
  } finally {
    clock.uninstall();
  }
});

Deno.test("aborting stops the loop without waiting for the next poll", async () => {
  const clock = install();
  try {
    let polls = 0;
    const stop = new AbortController();
    const loop = pollEvery(60_000, () => {
      polls++;
      return Promise.resolve();
    }, stop.signal);
    await clock.tickAsync(10);
    stop.abort();
    await loop;
    assert.equal(polls, 1);
    assert.equal(clock.countTimers(), 0);
  } finally {
    clock.uninstall();
  }
});
