import assert from "node:assert/strict";
import { FrameRates } from "./frame_rates.ts";

Deno.test("a frame kind gets its burst at once, then its rate", () => {
  let now = 0;
  const rates = new FrameRates({ ping: { burst: 3, perSecond: 2 } }, () => now);
  assert.deepEqual([1, 2, 3, 4].map(() => rates.take("ping")), [true, true, true, false]);
  now += 499;
  assert.equal(rates.take("ping"), false, "not yet a whole frame's worth after 499 ms");
  now += 2;
  assert.equal(rates.take("ping"), true);
  assert.equal(rates.take("ping"), false);
  now += 10_000;
  assert.deepEqual([1, 2, 3, 4].map(() => rates.take("ping")), [true, true, true, false]);
});

Deno.test("each frame kind has its own bucket", () => {
  const rates = new FrameRates({
    ping: { burst: 1, perSecond: 0 },
    settings: { burst: 1, perSecond: 0 },
  }, () => 0);
  assert.equal(rates.take("ping"), true);
  assert.equal(rates.take("ping"), false);
  assert.equal(rates.take("settings"), true);
  assert.equal(rates.take("settings"), false);
});
