import assert from "node:assert/strict";
import { BACKOFF, backoffCeiling, backoffDelay } from "./backoff.ts";

const PUBLISH_BACKOFF = BACKOFF.publish;

Deno.test("the ceiling doubles from the base and stops at the cap", () => {
  const ceilings = [1, 2, 3, 4, 5, 6, 7, 40].map((n) => backoffCeiling(n, PUBLISH_BACKOFF));
  assert.deepEqual(ceilings, [200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
});

Deno.test("full jitter spans [0, ceiling) and never exceeds the 5 s cap", () => {
  const low = { ...PUBLISH_BACKOFF, random: () => 0 };
  const high = { ...PUBLISH_BACKOFF, random: () => 0.999999 };
  for (const attempt of [1, 3, 6, 100]) {
    assert.equal(backoffDelay(attempt, low), 0);
    assert.equal(backoffDelay(attempt, high), backoffCeiling(attempt, PUBLISH_BACKOFF) - 1);
  }
  const delays = Array.from({ length: 2000 }, () => backoffDelay(10, PUBLISH_BACKOFF));
  assert.ok(delays.every((delay) => delay >= 0 && delay < 5_000));
  // Jittered, not constant: the spread covers most of the range.
  assert.ok(Math.max(...delays) - Math.min(...delays) > 4_000);
});
