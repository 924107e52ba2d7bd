/**
 * The cgroup module against this machine's live cgroup filesystem: creates a
 * real child cgroup (Docker cgroupfs layout, `docker/<id>`) in every v1
 * controller and, on a hybrid host, in the unified hierarchy; moves a workload
 * into it that holds 32 MiB, spins and writes with fsync; exposes the cgroup
 * filesystem read-only with collector/expose-cgroup.sh (Deno may not read
 * /sys; docs/ARCHITECTURE.md, "Platform facts") and samples the container twice through CgroupSampler
 * (tests/support/live_cgroup.ts does the setup). On cgroupfs the sampler keeps
 * the container's files open: a second test restarts the container (its
 * cgroup removed and created again) between samples. Needs root (creating cgroups,
 * bind mounts); skipped with a printed reason otherwise. Everything created
 * is removed afterwards.
 *
 * @module
 */

import assert from "node:assert/strict";
import { CgroupSampler } from "../collector/cgroup/mod.ts";
import { createLiveCgroup, type LiveCgroup, liveCgroupLayout } from "./support/live_cgroup.ts";
import { dockerCgroupPaths } from "../collector/host/docker_layout.ts";

const MEMORY_LIMIT_MB = 128;
const PIDS_MAX = 32;
const BALLAST_MB = 32;

async function skipReason(): Promise<string | undefined> {
  const layout = await liveCgroupLayout();
  if (typeof layout !== "string") return layout.reason;
  if (layout === "v2") {
    return "this host is cgroup v2 only; the live test creates cgroup v1 cgroups (v2 is covered by fixtures)";
  }
  return undefined;
}

/** A real workload's cgroup (1 CPU quota, the limits above), removed afterwards. */
async function withLiveCgroup(body: (cgroup: LiveCgroup) => Promise<void>): Promise<void> {
  const scratch = await Deno.makeTempDir({ prefix: "cgroup-live-" });
  const cgroup = await createLiveCgroup({
    memoryLimitMb: MEMORY_LIMIT_MB,
    pidsMax: PIDS_MAX,
    cpuLimitMilli: 1000,
    ballastMb: BALLAST_MB,
    scratch,
  });
  try {
    await body(cgroup);
  } finally {
    await cgroup.remove();
    await Deno.remove(scratch, { recursive: true });
  }
}

const reason = await skipReason();
if (reason !== undefined) console.log(`cgroup live test skipped: ${reason}`);

Deno.test({
  name: "CgroupSampler reads a real workload's cgroup on this host through a read-only bind mount",
  ignore: reason !== undefined,
  sanitizeResources: true,
  async fn() {
    await withLiveCgroup(async (cgroup) => {
      const hybrid = (await Deno.stat(`${cgroup.exposed}/unified`).catch(() => undefined))
        ?.isDirectory;
      using sampler = new CgroupSampler({
        root: cgroup.exposed,
        relativePaths: dockerCgroupPaths(cgroup.containerId),
      });
      const first = await sampler.sample(performance.now());
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const second = await sampler.sample(performance.now());

      assert.deepEqual([first.errors, second.errors], [[], []]);
      assert.equal(second.running, true);
      const m = second.metrics;
      const atLeast = (field: keyof typeof m, minimum: bigint) =>
        assert.ok((m[field] as bigint) >= minimum, `${field} = ${m[field]}, expected ≥ ${minimum}`);
      atLeast("memoryTotalMb", BigInt(BALLAST_MB));
      atLeast("memoryRssMb", BigInt(BALLAST_MB));
      atLeast("memoryWorkingSetMb", BigInt(BALLAST_MB));
      atLeast("milliCpuUsage", 1n);
      atLeast("diskWriteKbps", 1n);
      atLeast("diskWriteIops", 1n);
      atLeast("pidsCurrent", 1n);
      assert.equal(m.memoryLimitMb, BigInt(MEMORY_LIMIT_MB));
      assert.equal(m.pidsLimit, BigInt(PIDS_MAX));
      assert.equal(m.cpuLimitMilli, 1000n);
      // The 1 CPU quota lets a burst of up to one period (100 ms) through in a 1 s window.
      assert.ok((m.milliCpuUsage as bigint) <= 1250n, `quota is 1 CPU, got ${m.milliCpuUsage}`);
      assert.equal(m.memoryOomKills, 0n);
      assert.equal(typeof m.memoryCacheMb, "bigint");
      assert.equal(typeof m.cpuThrottledPeriods, "bigint");
      if (hybrid) assert.equal(typeof m.cpuPressureSomeAvg10, "number");
      assert.equal(first.metrics.milliCpuUsage, 0n, "first sample: no rate yet");
    });
  },
});

Deno.test({
  name:
    "CgroupSampler's kept files follow a container restart: the new cgroup is read, not an error",
  ignore: reason !== undefined,
  sanitizeResources: true,
  async fn() {
    await withLiveCgroup(async (cgroup) => {
      using sampler = new CgroupSampler({
        root: cgroup.exposed,
        relativePaths: dockerCgroupPaths(cgroup.containerId),
      });
      await sampler.sample(performance.now());
      await new Promise((resolve) => setTimeout(resolve, 500));
      const before = await sampler.sample(performance.now());
      assert.deepEqual(before.errors, []);
      assert.ok((before.metrics.milliCpuUsage as bigint) > 0n, "a rate before the restart");
      await cgroup.restart();
      const after = await sampler.sample(performance.now());
      assert.deepEqual(after.errors, []);
      assert.equal(after.running, true);
      // The new cgroup's counters start from zero: a first sample again, read from the new cgroup.
      assert.equal(after.metrics.milliCpuUsage, 0n);
      assert.ok((after.metrics.memoryTotalMb as bigint) >= BigInt(BALLAST_MB));
      assert.equal(after.metrics.pidsLimit, BigInt(PIDS_MAX));
      await new Promise((resolve) => setTimeout(resolve, 500));
      const next = await sampler.sample(performance.now());
      assert.deepEqual(next.errors, []);
      assert.ok((next.metrics.milliCpuUsage as bigint) > 0n, "a rate again after the restart");
    });
  },
});
