import assert from "node:assert/strict";
import { Rates } from "./rates.ts";

Deno.test("rates are the growth over the window; samples closer than the gap are not kept", () => {
  const rates = new Rates(500, 4_000);
  rates.sample(0, new Map([["calls", 0]]));
  assert.equal(rates.perSecond("calls"), 0);
  rates.sample(2_000, new Map([["calls", 10]]));
  assert.equal(rates.perSecond("calls"), 5);
  rates.sample(2_100, new Map([["calls", 1_000]]));
  assert.equal(rates.windowMs, 2_000);
  assert.equal(rates.perSecond("calls"), 5);
  rates.sample(4_000, new Map([["calls", 30]]));
  assert.equal(rates.windowMs, 4_000);
  assert.equal(rates.perSecond("calls"), 7.5);
  // The sample at 0 falls out once the one at 2 s alone reaches back 4 s.
  rates.sample(6_000, new Map([["calls", 30]]));
  assert.equal(rates.windowMs, 4_000);
  assert.equal(rates.perSecond("calls"), 5);
  assert.equal(rates.perSecond("other"), 0);
});
