import assert from "node:assert/strict";
import { MIB, NO_MEMORY_LIMIT_MB, toMetrics } from "./metrics.ts";
import { MAX_UINT64 } from "./parse/number.ts";
import { type Limit, NO_LIMIT } from "./parse/single.ts";

Deno.test("toMetrics: no memory limit is 8796093022207 MiB on v1 and v2 alike", () => {
  // 9223372036854771712 / 1048576 = 8796093022207.99… → 8796093022207, as the Go original sent on v1
  assert.equal(NO_MEMORY_LIMIT_MB, 8796093022207n);
  const limits: Limit[] = [NO_LIMIT, 9223372036854771712n, 9223372036854775807n, MAX_UINT64];
  for (const limit of limits) {
    assert.deepEqual(toMetrics({ counters: {}, memoryLimitBytes: limit }, {}, []), {
      running: true,
      memoryLimitMb: 8796093022207n,
    });
  }
  // One page below the v1 maximum is a real (if absurd) limit
  assert.equal(
    toMetrics({ counters: {}, memoryLimitBytes: 9223372036854767616n }, {}, []).memoryLimitMb,
    9223372036854767616n / MIB,
  );
});

Deno.test("toMetrics: pids.max max is 0, cpu max is absent", () => {
  assert.deepEqual(
    toMetrics({ counters: {}, pidsLimit: NO_LIMIT, cpuLimit: NO_LIMIT }, {}, []),
    { running: true, pidsLimit: 0n },
  );
  assert.deepEqual(
    toMetrics({ counters: {}, cpuLimit: { quotaUs: 25000n, periodUs: 100000n } }, {}, []),
    { running: true, cpuLimitMilli: 250n }, // 25000 / 100000 × 1000
  );
});

Deno.test("toMetrics: working set is usage − inactive_file, floored at 0", () => {
  const working = (usage: bigint, inactive: bigint) =>
    toMetrics({ counters: {}, memoryUsageBytes: usage, memoryInactiveFileBytes: inactive }, {}, [])
      .memoryWorkingSetMb;
  assert.equal(working(300n * MIB, 100n * MIB), 200n);
  assert.equal(working(100n * MIB, 300n * MIB), 0n);
  assert.equal(
    toMetrics({ counters: {}, memoryUsageBytes: 5n * MIB }, {}, []).memoryWorkingSetMb,
    undefined,
    "no inactive_file, no working set",
  );
});

Deno.test("toMetrics: nothing known, nothing reported", () => {
  assert.deepEqual(toMetrics({ counters: {} }, {}, []), { running: true });
});

Deno.test("toMetrics: a rate that does not fit uint64 is reported and left out", () => {
  const errors: string[] = [];
  const metrics = toMetrics(
    { counters: {} },
    { readOperations: { delta: MAX_UINT64, micros: 1n } },
    errors,
  );
  assert.deepEqual(metrics, { running: true });
  assert.deepEqual(errors, [
    `diskReadIops: ${MAX_UINT64 * 1_000_000n} does not fit in 64 bits`,
  ]);
});
