// The cgroup module against this machine's live cgroup filesystem: creates a
// real child cgroup (Docker cgroupfs layout, `docker/<id>`) in every v1
// controller and, on a hybrid host, in the unified hierarchy; moves a workload
// into it that holds 32 MiB, spins and writes with fsync; exposes the cgroup
// filesystem read-only with collector/expose-cgroup.sh (Deno may not read
// /sys, DESIGN §7) and samples the container twice through CgroupSampler.
// Needs root (creating cgroups, bind mounts); skipped with a printed reason
// otherwise. Everything created is removed afterwards.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { CgroupSampler } from "../shared/cgroup/sampler.ts";

const CGROUP = "/sys/fs/cgroup";
const EXPOSE = fileURLToPath(new URL("../collector/expose-cgroup.sh", import.meta.url));
const V1_CONTROLLERS = ["cpu", "cpuacct", "memory", "blkio", "pids"];
const MEMORY_LIMIT_MB = 128;
const PIDS_MAX = 32;
const BALLAST_MB = 32;

/** Runs a shell script with positional arguments; fails with its stderr. */
async function sh(script: string, ...args: string[]): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command("sh", {
    args: ["-c", script, "sh", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  if (!success) throw new Error(`sh -c ${script}: ${decoder.decode(stderr)}`);
  return decoder.decode(stdout);
}

async function skipReason(): Promise<string | undefined> {
  if (Deno.uid() !== 0) return "not running as root (creating cgroups and bind mounts needs root)";
  const layout = await sh(
    `if [ -e ${CGROUP}/cgroup.controllers ]; then echo v2; ` +
      `elif [ -d ${CGROUP}/memory ]; then echo v1; else echo none; fi`,
  );
  if (layout.trim() === "v2") {
    return "this host is cgroup v2 only; the live test creates cgroup v1 cgroups (v2 is covered by fixtures)";
  }
  if (layout.trim() !== "v1") return `no cgroup filesystem at ${CGROUP}`;
  return undefined;
}

const reason = await skipReason();
if (reason !== undefined) console.log(`cgroup live test skipped: ${reason}`);

Deno.test({
  name: "CgroupSampler reads a real workload's cgroup on this host through a read-only bind mount",
  ignore: reason !== undefined,
  sanitizeResources: true,
  async fn() {
    const containerId = Array.from(
      crypto.getRandomValues(new Uint8Array(32)),
      (byte) => byte.toString(16).padStart(2, "0"),
    ).join("");
    const leaf = `docker/${containerId}`;
    const hybrid = (await sh(`[ -d ${CGROUP}/unified ] && echo yes || true`)).trim() === "yes";
    const hierarchies = [...V1_CONTROLLERS, ...(hybrid ? ["unified"] : [])];
    const scratch = await Deno.makeTempDir({ prefix: "cgroup-live-" });
    const exposed = `${scratch}/cgroup`;
    // Parents (`<hierarchy>/docker`) this test created, removed again when empty.
    const createdParents = (await sh(
      `for h in "$@"; do [ -d ${CGROUP}/$h/docker ] || { mkdir ${CGROUP}/$h/docker && echo $h; }; done`,
      ...hierarchies,
    )).split("\n").filter((line) => line !== "");
    let workload: Deno.ChildProcess | undefined;
    try {
      await sh(
        `set -e
         leaf="$1"; shift
         for h in "$@"; do mkdir ${CGROUP}/$h/$leaf; done
         echo ${MEMORY_LIMIT_MB * 1024 * 1024} > ${CGROUP}/memory/$leaf/memory.limit_in_bytes
         echo 100000 > ${CGROUP}/cpu/$leaf/cpu.cfs_period_us
         echo 100000 > ${CGROUP}/cpu/$leaf/cpu.cfs_quota_us
         echo ${PIDS_MAX} > ${CGROUP}/pids/$leaf/pids.max
         # The kernel fills blkio.throttle.* only for cgroups with a rule: 1 TiB/s slows nothing.
         for device in $(lsblk -dn -o MAJ:MIN -e 1,7,11 | tr -d ' '); do
           echo "$device 1099511627776" > ${CGROUP}/blkio/$leaf/blkio.throttle.write_bps_device
         done`,
        leaf,
        ...hierarchies,
      );
      workload = new Deno.Command("sh", {
        args: [
          "-c",
          `for h in $HIERARCHIES; do echo $$ > ${CGROUP}/$h/$LEAF/cgroup.procs; done
           ballast=$(head -c ${BALLAST_MB * 1024 * 1024} /dev/zero | tr '\\0' x)
           echo ready
           while :; do
             dd if=/dev/zero of="$SCRATCH/data" bs=1M count=1 conv=fsync 2>/dev/null
             i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done
           done`,
        ],
        env: { HIERARCHIES: hierarchies.join(" "), LEAF: leaf, SCRATCH: scratch },
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      await waitForReady(workload.stdout);
      await sh(`sh "$1" "$2" 2>/dev/null`, EXPOSE, exposed);

      const sampler = new CgroupSampler({ root: exposed, containerId });
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
    } finally {
      if (workload !== undefined) {
        workload.kill("SIGKILL");
        await workload.status;
      }
      await sh(
        `mountpoint -q "$1" || exit 0; mount --make-rprivate "$1"; umount -R "$1"`,
        exposed,
      );
      await sh(
        `leaf="$1"; shift
         for h in "$@"; do
           tries=0
           while [ -d ${CGROUP}/$h/$leaf ] && ! rmdir ${CGROUP}/$h/$leaf 2>/dev/null; do
             tries=$((tries + 1)); [ $tries -lt 100 ] || { echo "cannot remove $h/$leaf" >&2; exit 1; }
             sleep 0.05
           done
         done`,
        leaf,
        ...hierarchies,
      );
      await sh(
        `for h in "$@"; do rmdir ${CGROUP}/$h/docker 2>/dev/null || true; done`,
        ...createdParents,
      );
      await Deno.remove(scratch, { recursive: true });
    }
  },
});

/** Reads the workload's stdout until it says "ready" (its ballast is allocated), then closes it. */
async function waitForReady(stdout: ReadableStream<Uint8Array>): Promise<void> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stdout) {
    text += decoder.decode(chunk);
    if (text.includes("ready")) return;
  }
  throw new Error(`the workload exited before it was ready: ${JSON.stringify(text)}`);
}
