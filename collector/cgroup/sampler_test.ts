/**
 * Every PublishRequest field the cgroup provides, on every fixture, through the
 * sampler: the first sample (rates 0) at t0, then the second at t1 with rates
 * over the recorded interval. Expected numbers are worked out from the
 * fixture files in the comments; MiB = 1048576, divisions truncate.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fixturePath, readCapture, SwitchableRoot } from "../../tests/support/cgroup_fixtures.ts";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { PublishRequestSchema } from "../../shared/gen/aggregator_pb.ts";
import type { CgroupMetrics } from "./metrics.ts";
import { CgroupSampler } from "./sampler.ts";

const START_MS = 5000;

/** Samples `fixture` at t0 and t1 (t1 `intervalMicroseconds` later), asserting no errors. */
async function sampleFixture(fixture: string): Promise<[CgroupMetrics, CgroupMetrics]> {
  const { relativePath, intervalMicroseconds } = await readCapture(fixture);
  await using root = await SwitchableRoot.create();
  const sampler = new CgroupSampler({ root: root.root, relativePaths: [relativePath] });
  await root.point(fixturePath(fixture, "t0"));
  const first = await sampler.sample(START_MS);
  await root.point(fixturePath(fixture, "t1"));
  const second = await sampler.sample(START_MS + intervalMicroseconds / 1000);
  assert.deepEqual([first.errors, second.errors], [[], []]);
  assert.deepEqual([first.running, second.running], [true, true]);
  return [first.metrics, second.metrics];
}

const QUIET_PRESSURE = {
  cpuPressureSomeAvg10: 0,
  cpuPressureFullAvg10: 0,
  memoryPressureSomeAvg10: 0,
  memoryPressureFullAvg10: 0,
  ioPressureSomeAvg10: 0,
  ioPressureFullAvg10: 0,
};

const NO_RATES = {
  milliCpuUsage: 0n,
  diskReadKbps: 0n,
  diskWriteKbps: 0n,
  diskReadIops: 0n,
  diskWriteIops: 0n,
};

const V1_CGROUPFS_LIMITS = {
  memoryLimitMb: 256n, // 268435456 / 1048576
  pidsLimit: 64n,
  cpuLimitMilli: 500n, // cfs_quota_us 50000 / cfs_period_us 100000 × 1000
  memoryOomKills: 0n, // memory.oom_control oom_kill
};

/** The sampler's output on the live v1 capture (`v1-cgroupfs`), worked out from its files. */
const V1_CGROUPFS: Record<"t0" | "t1", CgroupMetrics> = {
  t0: {
    running: true,
    ...NO_RATES,
    cpuThrottledPeriods: 0n,
    cpuThrottledMilli: 0n,
    memoryTotalMb: 34n, // usage_in_bytes 36433920 / MiB = 34.7
    memoryRssMb: 34n, // (total_rss 36089856 + total_mapped_file 0) / MiB = 34.4
    memoryWorkingSetMb: 34n, // (36433920 − total_inactive_file 0) / MiB
    memoryCacheMb: 0n, // total_cache 0
    pidsCurrent: 4n,
    ...V1_CGROUPFS_LIMITS,
  },
  // Interval 2266853 µs (capture.json).
  t1: {
    running: true,
    milliCpuUsage: 501n, // (2212834486 − 1076344379) ns / 2266853 µs = 1136490107 / 2266853 = 501.3
    // throttle tables (this kernel has no CFQ table), Read 0 → 25165824, Write 0 → 25194496:
    diskReadKbps: 10841n, // 25165824 B × 10⁶ / 2266853 µs = 11101656 B/s / 1024 = 10841.4
    diskWriteKbps: 10853n, // 25194496 × 10⁶ / 2266853 = 11114305 B/s / 1024 = 10853.8
    diskReadIops: 10n, // (24 − 0) × 10⁶ / 2266853 = 10.6
    diskWriteIops: 11n, // (25 − 0) × 10⁶ / 2266853 = 11.0
    cpuThrottledPeriods: 22n, // nr_throttled 42 − 20
    cpuThrottledMilli: 467n, // (2289639095 − 1229222608) ns / 2266853 µs = 1060416487 / 2266853 = 467.8
    memoryTotalMb: 52n, // 55508992 / MiB = 52.9
    memoryRssMb: 48n, // (50597888 + 0) / MiB = 48.3
    memoryWorkingSetMb: 52n, // (55508992 − 0) / MiB
    memoryCacheMb: 0n,
    pidsCurrent: 1n,
    ...V1_CGROUPFS_LIMITS,
  },
};

Deno.test("CgroupSampler on the live v1 capture (cgroupfs layout)", async () => {
  assert.deepEqual(await sampleFixture("v1-cgroupfs"), [V1_CGROUPFS.t0, V1_CGROUPFS.t1]);
});

Deno.test("CgroupSampler on a v1 host without the pids hierarchy: running, pids 0 on the wire", async () => {
  const [t0, t1] = await sampleFixture("v1-cgroupfs-no-pids");
  const withoutPids = ({ pidsCurrent: _, pidsLimit: __, ...metrics }: CgroupMetrics) => metrics;
  assert.deepEqual([t0, t1], [withoutPids(V1_CGROUPFS.t0), withoutPids(V1_CGROUPFS.t1)]);
  // What the Go original sent for a missing pids cgroup: running, pids_current 0, pids_limit 0.
  const decoded = fromBinary(
    PublishRequestSchema,
    toBinary(PublishRequestSchema, create(PublishRequestSchema, t1)),
  );
  assert.deepEqual(
    [decoded.running, decoded.pidsCurrent, decoded.pidsLimit, decoded.memoryTotalMb],
    [true, 0n, 0n, 52n],
  );
});

Deno.test("CgroupSampler on the live hybrid capture (systemd layout, PSI from unified/)", async () => {
  const [t0, t1] = await sampleFixture("hybrid-systemd");
  const limits = { memoryLimitMb: 256n, pidsLimit: 64n, cpuLimitMilli: 500n, memoryOomKills: 0n };
  assert.deepEqual(t0, {
    running: true,
    ...NO_RATES,
    cpuThrottledPeriods: 0n,
    cpuThrottledMilli: 0n,
    memoryTotalMb: 48n, // 50855936 / MiB = 48.5
    memoryRssMb: 48n, // (50491392 + 0) / MiB = 48.2
    memoryWorkingSetMb: 48n, // (50855936 − 0) / MiB
    memoryCacheMb: 0n,
    pidsCurrent: 1n,
    ...QUIET_PRESSURE,
    cpuPressureSomeAvg10: 5.79,
    cpuPressureFullAvg10: 5.61,
    ...limits,
  });
  // Interval 2299858 µs.
  assert.deepEqual(t1, {
    running: true,
    milliCpuUsage: 480n, // (2197944420 − 1092733674) / 2299858 = 1105210746 / 2299858 = 480.6
    diskReadKbps: 16028n, // 37748736 × 10⁶ / 2299858 = 16413507 B/s / 1024 = 16028.8
    diskWriteKbps: 16047n, // 37793792 × 10⁶ / 2299858 = 16433098 B/s / 1024 = 16047.9
    diskReadIops: 15n, // 36 × 10⁶ / 2299858 = 15.7
    diskWriteIops: 16n, // 38 × 10⁶ / 2299858 = 16.5
    cpuThrottledPeriods: 22n, // 43 − 21
    cpuThrottledMilli: 436n, // (2303864576 − 1299239414) / 2299858 = 1004625162 / 2299858 = 436.8
    memoryTotalMb: 52n, // 55152640 / MiB = 52.6
    memoryRssMb: 48n, // (50491392 + 0) / MiB
    memoryWorkingSetMb: 48n, // (55152640 − total_inactive_file 4194304) / MiB = 48.6
    memoryCacheMb: 4n, // total_cache 4198400 / MiB = 4.004
    pidsCurrent: 1n,
    ...QUIET_PRESSURE,
    cpuPressureSomeAvg10: 10.9,
    cpuPressureFullAvg10: 10.75,
    ...limits,
  });
});

Deno.test("CgroupSampler on the v2 cgroupfs fixture (limits, two devices, throttling)", async () => {
  const [t0, t1] = await sampleFixture("v2-cgroupfs");
  const limits = {
    memoryLimitMb: 512n, // memory.max 536870912 / MiB
    pidsLimit: 128n,
    cpuLimitMilli: 1500n, // cpu.max 150000 / 100000 × 1000
    memoryOomKills: 2n, // memory.events oom_kill
  };
  assert.deepEqual(t0, {
    running: true,
    ...NO_RATES,
    cpuThrottledPeriods: 0n,
    cpuThrottledMilli: 0n,
    memoryTotalMb: 203n, // memory.current 213729280 / MiB = 203.8
    memoryRssMb: 156n, // (anon 150994944 + file_mapped 12582912) / MiB = 156
    memoryWorkingSetMb: 163n, // (213729280 − inactive_file 41943040) / MiB = 163.8
    memoryCacheMb: 53n, // file 56205312 / MiB = 53.6
    pidsCurrent: 23n,
    cpuPressureSomeAvg10: 1.53,
    cpuPressureFullAvg10: 0.61,
    memoryPressureSomeAvg10: 0.12,
    memoryPressureFullAvg10: 0.09,
    ioPressureSomeAvg10: 4.2,
    ioPressureFullAvg10: 3.98,
    ...limits,
  });
  // Interval 10.5 s = 10500000 µs: fractional seconds count (a whole-second Δt would be 10).
  assert.deepEqual(t1, {
    running: true,
    milliCpuUsage: 1216n, // (96986201 − 84211337) µs × 1000 = 12774864000 ns / 10500000 µs = 1216.7
    // rbytes (8:0 + 8:16): 1052672000 → 1127383040, Δ 74711040
    diskReadKbps: 6948n, // 74711040 × 10⁶ / 10500000 = 7115337 B/s / 1024 = 6948.5
    // wbytes: 734003200 → 843055104, Δ 109051904
    diskWriteKbps: 10142n, // 109051904 × 10⁶ / 10500000 = 10385895 B/s / 1024 = 10142.4
    diskReadIops: 173n, // rios 26600 → 28424, Δ 1824 / 10.5 = 173.7
    diskWriteIops: 692n, // wios 64000 → 71270, Δ 7270 / 10.5 = 692.4
    cpuThrottledPeriods: 33n, // nr_throttled 344 − 311
    cpuThrottledMilli: 128n, // (5871201 − 4521877) µs × 1000 = 1349324000 ns / 10500000 µs = 128.5
    memoryTotalMb: 234n, // 245366784 / MiB = 234
    memoryRssMb: 180n, // (176160768 + 12582912) / MiB = 180
    memoryWorkingSetMb: 190n, // (245366784 − 46137344) / MiB = 190
    memoryCacheMb: 59n, // 62676992 / MiB = 59.8
    pidsCurrent: 27n,
    cpuPressureSomeAvg10: 2.07,
    cpuPressureFullAvg10: 0.88,
    memoryPressureSomeAvg10: 0,
    memoryPressureFullAvg10: 0,
    ioPressureSomeAvg10: 5.61,
    ioPressureFullAvg10: 5.02,
    ...limits,
  });
});

Deno.test("CgroupSampler on the v2 systemd fixture (no limits, no cpu controller)", async () => {
  const [t0, t1] = await sampleFixture("v2-systemd");
  // No cpu.max, no throttling keys: cpuLimitMilli and cpuThrottled* absent, not 0.
  const unlimited = {
    memoryLimitMb: 8796093022207n, // memory.max "max" → 9223372036854771712 / MiB (see metrics.ts)
    pidsLimit: 0n, // pids.max "max"
    memoryOomKills: 0n,
    pidsCurrent: 1n,
    ...QUIET_PRESSURE,
  };
  assert.deepEqual(t0, {
    running: true,
    ...NO_RATES,
    memoryTotalMb: 11n, // 12288000 / MiB = 11.7
    memoryRssMb: 4n, // (4194304 + 0) / MiB
    memoryWorkingSetMb: 10n, // (12288000 − 1163264) / MiB = 10.6
    memoryCacheMb: 1n, // 1564672 / MiB = 1.5
    ...unlimited,
  });
  // Interval 2.5 s; io.stat went from empty to one device.
  assert.deepEqual(t1, {
    running: true,
    milliCpuUsage: 12n, // (1530250 − 1500000) µs × 1000 = 30250000 ns / 2500000 µs = 12.1
    diskReadKbps: 1638n, // 4194304 × 10⁶ / 2500000 = 1677721 B/s / 1024 = 1638.4
    diskWriteKbps: 0n,
    diskReadIops: 25n, // 64 / 2.5 = 25.6
    diskWriteIops: 0n,
    memoryTotalMb: 15n, // 16482304 / MiB = 15.7
    memoryRssMb: 4n,
    memoryWorkingSetMb: 10n, // (16482304 − 5357568) / MiB = 10.6
    memoryCacheMb: 5n, // 5758976 / MiB = 5.5
    ...unlimited,
  });
});

Deno.test("CgroupSampler on garbage: errors name the files, the rest of the point is intact", async () => {
  const { relativePath } = await readCapture("v2-cgroupfs");
  const sampler = new CgroupSampler({
    root: fixturePath("garbage-v2"),
    relativePaths: [relativePath],
  });
  const { running, metrics, errors } = await sampler.sample(START_MS);
  assert.equal(running, true);
  assert.equal(errors.length, 7, errors.join("\n"));
  // cpu.stat, io.stat, cpu.max, memory.current, memory.max, pids.current, memory.pressure damaged:
  // their fields are absent (working set needs memory.current too). No NaN anywhere.
  assert.deepEqual(metrics, {
    running: true,
    memoryRssMb: 180n,
    memoryCacheMb: 59n,
    memoryOomKills: 2n,
    pidsLimit: 128n,
    cpuPressureSomeAvg10: 2.07,
    cpuPressureFullAvg10: 0.88,
    ioPressureSomeAvg10: 5.61,
    ioPressureFullAvg10: 5.02,
  });
  // What reaches the wire: absent extras stay unset, the rest round-trips.
  const decoded = fromBinary(
    PublishRequestSchema,
    toBinary(PublishRequestSchema, create(PublishRequestSchema, metrics)),
  );
  assert.equal(decoded.memoryRssMb, 180n);
  assert.equal(decoded.cpuLimitMilli, undefined);
  assert.equal(decoded.memoryPressureSomeAvg10, undefined);
  assert.equal(decoded.ioPressureFullAvg10, 5.02);
});

Deno.test("CgroupSampler: a vanished cgroup is not running and resets the rates", async () => {
  const { relativePath } = await readCapture("v2-cgroupfs");
  await using root = await SwitchableRoot.create();
  const sampler = new CgroupSampler({ root: root.root, relativePaths: [relativePath] });
  await root.point(fixturePath("v2-cgroupfs", "t0"));
  assert.equal((await sampler.sample(0)).metrics.milliCpuUsage, 0n);
  await root.point(fixturePath("v2-systemd", "t0")); // a v2 root without this container
  assert.deepEqual(await sampler.sample(1000), {
    running: false,
    metrics: { running: false },
    errors: [],
  });
  await root.point(fixturePath("v2-cgroupfs", "t1"));
  const back = await sampler.sample(2000);
  assert.equal(back.running, true);
  assert.equal(back.metrics.milliCpuUsage, 0n, "reappeared: first sample again");
  assert.equal(back.metrics.cpuThrottledPeriods, 0n);
});

Deno.test("CgroupSampler: counters going backwards give 0, not a wrapped huge rate", async () => {
  const { relativePath } = await readCapture("v2-cgroupfs");
  await using root = await SwitchableRoot.create();
  const sampler = new CgroupSampler({ root: root.root, relativePaths: [relativePath] });
  await root.point(fixturePath("v2-cgroupfs", "t1"));
  await sampler.sample(0);
  await root.point(fixturePath("v2-cgroupfs", "t0"));
  const { metrics } = await sampler.sample(10500);
  assert.deepEqual(
    [metrics.milliCpuUsage, metrics.diskReadKbps, metrics.diskWriteIops, metrics.cpuThrottledMilli],
    [0n, 0n, 0n, 0n],
  );
});

Deno.test("CgroupSampler: a missing root is not running, with an error naming it", async () => {
  const sampler = new CgroupSampler({ root: fixturePath("no-such-root"), relativePaths: ["x"] });
  assert.deepEqual(await sampler.sample(0), {
    running: false,
    metrics: { running: false },
    errors: [`${fixturePath("no-such-root")}: the cgroup root is not a readable directory`],
  });
});

Deno.test("CgroupSampler: the first of the given paths that exists is read", async () => {
  const { relativePath } = await readCapture("v1-cgroupfs");
  const sampler = new CgroupSampler({
    root: fixturePath("v1-cgroupfs", "t1"),
    relativePaths: ["docker/not-there", `/${relativePath}`],
  });
  const { running, metrics } = await sampler.sample(0);
  assert.equal(running, true);
  assert.equal(metrics.memoryTotalMb, 52n);
});
