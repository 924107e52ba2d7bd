import assert from "node:assert/strict";
import { FrameBudget } from "./frame_budget.ts";

Deno.test("the budget allows `limit` events per period and starts afresh in the next", () => {
  let now = 1_000;
  const budget = new FrameBudget(3, 1_000, () => now);
  assert.deepEqual([budget.spend(), budget.spend(), budget.spend(), budget.spend()], [
    true,
    true,
    true,
    false,
  ]);
  now += 999;
  assert.equal(budget.spend(), false);
  now += 1;
  assert.deepEqual([budget.spend(), budget.spend(), budget.spend(), budget.spend()], [
    true,
    true,
    true,
    false,
  ]);
});
