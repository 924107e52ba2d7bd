import assert from "node:assert/strict";
import { parseCfsQuota, parseCpuMax } from "./cpu_quota.ts";
import { NO_LIMIT } from "./single.ts";

Deno.test("parseCpuMax reads quota and period, or max", () => {
  assert.deepEqual(parseCpuMax("150000 100000\n"), { quotaUs: 150000n, periodUs: 100000n });
  assert.equal(parseCpuMax("max 100000\n"), NO_LIMIT);
});

Deno.test("parseCpuMax rejects malformed files and a zero period", () => {
  assert.throws(() => parseCpuMax("max 100000 extra\n"), /expected "\$MAX \$PERIOD"/);
  assert.throws(() => parseCpuMax(""), /expected "\$MAX \$PERIOD"/);
  assert.throws(() => parseCpuMax("1000 0\n"), /the period is 0/);
  assert.throws(() => parseCpuMax("-1 100000\n"), /"-1" is not an unsigned integer/);
});

Deno.test("parseCfsQuota reads -1 as no limit", () => {
  assert.equal(parseCfsQuota("-1\n"), NO_LIMIT);
  assert.equal(parseCfsQuota("50000\n"), 50000n);
  assert.throws(() => parseCfsQuota("-2\n"), /"-2" is not an unsigned integer/);
});
