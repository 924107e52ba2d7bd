import assert from "node:assert/strict";
import { BASE_HEAP_MIB, heapProblem, oldSpaceMib, POINT_HEAP_BYTES } from "./heap.ts";

const MIB = 2 ** 20;

Deno.test("the old-space cap is the base plus a full queue, rounded up to a MiB", () => {
  assert.equal(oldSpaceMib({ queueSize: 1 }), BASE_HEAP_MIB + 1);
  assert.equal(oldSpaceMib({ queueSize: MIB / POINT_HEAP_BYTES }), BASE_HEAP_MIB + 1);
  assert.equal(oldSpaceMib({ queueSize: MIB / POINT_HEAP_BYTES + 1 }), BASE_HEAP_MIB + 2);
  assert.equal(oldSpaceMib({ queueSize: 100_000 }), BASE_HEAP_MIB + 98);
});

Deno.test("a queue that fits the heap limit passes; one that does not is named with the largest that fits", () => {
  const need = oldSpaceMib({ queueSize: 10_000 });
  assert.equal(heapProblem({ queueSize: 10_000 }, need * MIB), undefined);
  const problem = heapProblem({ queueSize: 10_000 }, need * MIB - 1);
  assert.ok(problem);
  assert.match(problem, /^MINI_COLLECTOR_QUEUE_SIZE: 10000 points need a V8 heap of \d+ MiB/);
  assert.match(problem, new RegExp(`heap limit is ${need - 1} MiB`));
  const fits = Number(problem.match(/at most (\d+)/)?.[1]);
  assert.ok(fits > 0 && fits < 10_000, problem);
  assert.equal(heapProblem({ queueSize: fits }, need * MIB - 1), undefined);
  assert.ok(heapProblem({ queueSize: fits + 1 }, (need - 1) * MIB));
  assert.match(heapProblem({ queueSize: 1 }, MIB)!, /at most 0,/);
});
