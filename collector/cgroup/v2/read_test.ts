import assert from "node:assert/strict";
import {
  assertSnapshots,
  comparableRaw,
  fixturePath,
  readCapture,
} from "../../../tests/support/cgroup_fixtures.ts";
import type { RawCgroup } from "../raw.ts";
import { NO_LIMIT } from "../parse/single.ts";
import { readV2 } from "./read.ts";

/** Reads `<fixture>/<snapshot>` at the relative path recorded by `capturedAs`. */
async function read(fixture: string, snapshot: string, capturedAs = fixture) {
  const { relativePath } = await readCapture(capturedAs);
  const errors: string[] = [];
  const path = fixturePath(fixture, snapshot, relativePath);
  const raw = await readV2(path, errors);
  return { raw: comparableRaw(raw), errors, path };
}

const LIMITED = {
  cpuLimit: { quotaUs: 150000n, periodUs: 100000n }, // cpu.max "150000 100000"
  memoryLimitBytes: 536870912n,
  memoryOomKills: 2n, // memory.events oom_kill
  pidsLimit: 128n,
};

Deno.test("readV2 reads every field of the cgroupfs fixture, both snapshots", async () => {
  await assertSnapshots((snapshot) => read("v2-cgroupfs", snapshot), {
    t0: {
      counters: {
        cpuUsageNs: 84211337000n, // usage_usec 84211337 × 1000
        throttledPeriods: 311n,
        throttledNs: 4521877000n, // throttled_usec 4521877 × 1000
        readBytes: 1052672000n, // 8:0 1048576000 + 8:16 4096000
        writeBytes: 734003200n, // 524288000 + 209715200
        readOperations: 26600n, // 25600 + 1000
        writeOperations: 64000n, // 12800 + 51200
      },
      memoryUsageBytes: 213729280n,
      memoryRssBytes: 163577856n, // anon 150994944 + file_mapped 12582912
      memoryCacheBytes: 56205312n, // file
      memoryInactiveFileBytes: 41943040n,
      pidsCurrent: 23n,
      cpuPressure: { someAvg10: 1.53, fullAvg10: 0.61 },
      memoryPressure: { someAvg10: 0.12, fullAvg10: 0.09 },
      ioPressure: { someAvg10: 4.2, fullAvg10: 3.98 },
      ...LIMITED,
    },
    t1: {
      counters: {
        cpuUsageNs: 96986201000n,
        throttledPeriods: 344n,
        throttledNs: 5871201000n,
        readBytes: 1127383040n, // 1123287040 + 4096000
        writeBytes: 843055104n, // 612368384 + 230686720
        readOperations: 28424n, // 27424 + 1000
        writeOperations: 71270n, // 14950 + 56320
      },
      memoryUsageBytes: 245366784n,
      memoryRssBytes: 188743680n, // anon 176160768 + file_mapped 12582912
      memoryCacheBytes: 62676992n,
      memoryInactiveFileBytes: 46137344n,
      pidsCurrent: 27n,
      cpuPressure: { someAvg10: 2.07, fullAvg10: 0.88 },
      memoryPressure: { someAvg10: 0, fullAvg10: 0 },
      ioPressure: { someAvg10: 5.61, fullAvg10: 5.02 },
      ...LIMITED,
    },
  });
});

Deno.test("readV2 reads the unlimited systemd fixture without the cpu controller", async () => {
  const unlimited: Partial<RawCgroup> = {
    memoryLimitBytes: NO_LIMIT,
    memoryOomKills: 0n,
    pidsCurrent: 1n,
    pidsLimit: NO_LIMIT,
    cpuPressure: { someAvg10: 0, fullAvg10: 0 },
    memoryPressure: { someAvg10: 0, fullAvg10: 0 },
    ioPressure: { someAvg10: 0, fullAvg10: 0 },
  };
  await assertSnapshots((snapshot) => read("v2-systemd", snapshot), {
    // No cpu.max and no throttling keys in cpu.stat: cpuLimit and throttled* stay absent.
    t0: {
      counters: {
        cpuUsageNs: 1500000000n,
        readBytes: 0n, // io.stat is empty: no I/O yet
        writeBytes: 0n,
        readOperations: 0n,
        writeOperations: 0n,
      },
      memoryUsageBytes: 12288000n,
      memoryRssBytes: 4194304n, // anon 4194304 + file_mapped 0
      memoryCacheBytes: 1564672n,
      memoryInactiveFileBytes: 1163264n,
      ...unlimited,
    },
    t1: {
      counters: {
        cpuUsageNs: 1530250000n,
        readBytes: 4194304n,
        writeBytes: 0n,
        readOperations: 64n,
        writeOperations: 0n,
      },
      memoryUsageBytes: 16482304n,
      memoryRssBytes: 4194304n,
      memoryCacheBytes: 5758976n,
      memoryInactiveFileBytes: 5357568n,
      ...unlimited,
    },
  });
});

Deno.test("readV2 on garbage: one error per damaged file, the rest intact", async () => {
  const { raw, errors, path } = await read("garbage-v2", "", "v2-cgroupfs");
  assert.deepEqual(errors, [
    `${path}/cpu.stat: line "usage_usec" is not "key value"`,
    `${path}/io.stat: device 8:0 wbytes: "" is not an unsigned integer`,
    `${path}/cpu.max: expected "$MAX $PERIOD"`,
    `${path}/memory.current: the file is empty`,
    `${path}/memory.max: "lots" is not an unsigned integer`,
    `${path}/pids.current: 18446744073709551616 does not fit in 64 bits`,
    `${path}/memory.pressure: "NaN" is not a percentage`,
  ]);
  assert.deepEqual<Partial<RawCgroup>>(raw, {
    counters: {},
    memoryRssBytes: 188743680n,
    memoryCacheBytes: 62676992n,
    memoryInactiveFileBytes: 46137344n,
    memoryOomKills: 2n,
    pidsLimit: 128n,
    cpuPressure: { someAvg10: 2.07, fullAvg10: 0.88 },
    ioPressure: { someAvg10: 5.61, fullAvg10: 5.02 },
  });
});
