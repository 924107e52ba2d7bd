import assert from "node:assert/strict";
import { getHeapStatistics } from "node:v8";
import { HEAP_SHARE, MemoryBudget } from "./memory_budget.ts";

Deno.test("the budget is a share of the heap limit", () => {
  const budget = MemoryBudget.fromHeap();
  assert.equal(budget.limit, Math.floor(getHeapStatistics().heap_size_limit * HEAP_SHARE));
});

Deno.test("what does not fit is refused; the reserve is for first streams only", () => {
  const budget = new MemoryBudget(1000);
  assert.equal(budget.take(700), true);
  assert.equal(budget.take(200), false, "past the 80% open to everyone");
  assert.equal(budget.take(200, true), true, "a first stream may use the reserve");
  assert.equal(budget.take(200, true), false, "but not more than the whole budget");
  assert.equal(budget.used, 900);
  budget.release(900);
  assert.equal(budget.used, 0);
  assert.equal(budget.take(800), true);
});
