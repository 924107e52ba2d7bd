import assert from "node:assert/strict";
import { formatDuration, parseDuration } from "./duration.ts";

Deno.test("parseDuration reads Go duration strings", () => {
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("1m30s"), 90_000);
  assert.equal(parseDuration("500ms"), 500);
  assert.equal(parseDuration("1h"), 3_600_000);
  assert.equal(parseDuration("1.5h"), 5_400_000);
  assert.equal(parseDuration("2h45m0.5s"), 9_900_500);
  assert.equal(parseDuration("1500us"), 1.5);
  assert.equal(parseDuration("1500µs"), 1.5);
  assert.equal(parseDuration("+10s"), 10_000);
  assert.equal(parseDuration("0s"), 0);
});

Deno.test("parseDuration rejects what Go rejects, and negative values", () => {
  for (const bad of ["", "30", "-5s", "1x", "s", "1m30", "1.s2", "1 s", "+", "ms"]) {
    assert.throws(() => parseDuration(bad), RangeError, `accepted ${JSON.stringify(bad)}`);
  }
});

Deno.test("formatDuration round-trips through parseDuration", () => {
  for (const ms of [0, 500, 1000, 30_000, 90_000, 3_600_000, 5_430_500]) {
    assert.equal(parseDuration(formatDuration(ms)), ms);
  }
  assert.equal(formatDuration(90_000), "1m30s");
});
