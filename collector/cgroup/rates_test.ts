import assert from "node:assert/strict";
import { advance, NO_CHANGE, rate } from "./rates.ts";

Deno.test("advance: the first reading of a counter is a zero change", () => {
  const { changes, state } = advance({}, { cpuUsageNs: 500n }, 1000);
  assert.deepEqual(changes, { cpuUsageNs: NO_CHANGE });
  assert.deepEqual(state, { cpuUsageNs: { value: 500n, atMs: 1000 } });
});

Deno.test("advance measures the interval in microseconds, fractional seconds included", () => {
  const first = advance({}, { readBytes: 1000n, readOperations: 7n }, 1000.25);
  const second = advance(first.state, { readBytes: 4000n, readOperations: 7n }, 2500.5);
  // 2500.5 ms − 1000.25 ms = 1500.25 ms = 1500250 µs
  assert.deepEqual(second.changes, {
    readBytes: { delta: 3000n, micros: 1500250n },
    readOperations: { delta: 0n, micros: 1500250n },
  });
});

Deno.test("advance: a counter going backwards (cgroup recreated) is a zero change and a new base", () => {
  const first = advance({}, { writeBytes: 9000n }, 0);
  const back = advance(first.state, { writeBytes: 100n }, 1000);
  assert.deepEqual(back.changes, { writeBytes: NO_CHANGE });
  const after = advance(back.state, { writeBytes: 600n }, 2000);
  assert.deepEqual(after.changes, { writeBytes: { delta: 500n, micros: 1000000n } });
});

Deno.test("advance: a clock that did not move forward is a zero change", () => {
  const first = advance({}, { cpuUsageNs: 1n }, 5000);
  assert.deepEqual(advance(first.state, { cpuUsageNs: 9n }, 5000).changes.cpuUsageNs, NO_CHANGE);
  assert.deepEqual(advance(first.state, { cpuUsageNs: 9n }, 4000).changes.cpuUsageNs, NO_CHANGE);
});

Deno.test("advance: a counter missing from one sample keeps its last reading", () => {
  const first = advance({}, { cpuUsageNs: 1000n, readBytes: 10n }, 0);
  const gap = advance(first.state, { readBytes: 20n }, 1000);
  assert.deepEqual(gap.changes, { readBytes: { delta: 10n, micros: 1000000n } });
  const back = advance(gap.state, { cpuUsageNs: 3000n, readBytes: 30n }, 2000);
  // cpuUsageNs spans both intervals: 3000 − 1000 over 2000 ms
  assert.deepEqual(back.changes.cpuUsageNs, { delta: 2000n, micros: 2000000n });
});

Deno.test("rate scales and truncates, and is 0 without an interval", () => {
  // 1136490107 ns over 2266853 µs = 501.35… thousandths of a CPU → 501
  assert.equal(rate({ delta: 1136490107n, micros: 2266853n }, 1n), 501n);
  // 64 operations over 2.5 s = 25.6/s → 25
  assert.equal(rate({ delta: 64n, micros: 2500000n }, 1_000_000n), 25n);
  assert.equal(rate(NO_CHANGE, 1_000_000n), 0n);
});
