/**
 * A real container-like cgroup on this machine (root only): `docker/<id>` in
 * every cgroup v1 controller the collector reads plus the unified hierarchy
 * on a hybrid host, or in the cgroup v2 tree, with a memory, CPU and pids
 * limit; a small workload moved into it (holds memory, spins, writes with
 * fsync); and the cgroup filesystem exposed read-only with
 * collector/expose-cgroup.sh at a path Deno may read (docs/ARCHITECTURE.md,
 * "Platform facts").
 * `restart()` does what a container restart does to its cgroup: the workload
 * killed, the cgroup removed, created again with its limits and a new
 * workload. `remove()` undoes everything it did, in reverse.
 */
import { fileURLToPath } from "node:url";

const CGROUP = "/sys/fs/cgroup";
const EXPOSE = fileURLToPath(new URL("../../collector/expose-cgroup.sh", import.meta.url));
const V1_CONTROLLERS = ["cpu", "cpuacct", "memory", "blkio", "pids"];

export interface LiveCgroupOptions {
  memoryLimitMb: number;
  pidsMax: number;
  /** CPU quota in thousandths of a CPU. */
  cpuLimitMilli: number;
  /** Memory the workload holds, MiB. */
  ballastMb: number;
  /** Where the workload writes its file and the cgroup filesystem is exposed. */
  scratch: string;
}

export interface LiveCgroup {
  containerId: string;
  /** The exposed (read-only) cgroup root: MINI_COLLECTOR_CGROUP_PATH. */
  exposed: string;
  layout: "v1" | "v2";
  restart(): Promise<void>;
  remove(): Promise<void>;
}

/** Runs a shell script with positional arguments; fails with its stderr. */
export async function sh(script: string, ...args: string[]): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command("sh", {
    args: ["-c", script, "sh", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  if (!success) throw new Error(`sh -c ${script}: ${decoder.decode(stderr)}`);
  return decoder.decode(stdout);
}

/** The cgroup layout of this host, or why a live cgroup cannot be made here. */
export async function liveCgroupLayout(): Promise<"v1" | "v2" | { reason: string }> {
  if (Deno.uid() !== 0) {
    return { reason: "not running as root (cgroups and bind mounts need root)" };
  }
  const layout = (await sh(
    `if [ -e ${CGROUP}/cgroup.controllers ]; then echo v2; ` +
      `elif [ -d ${CGROUP}/memory ]; then echo v1; else echo none; fi`,
  )).trim();
  return layout === "v1" || layout === "v2"
    ? layout
    : { reason: `no cgroup filesystem at ${CGROUP}` };
}

function randomContainerId(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(32)),
    (byte) => byte.toString(16).padStart(2, "0"),
  ).join("");
}

export async function createLiveCgroup(options: LiveCgroupOptions): Promise<LiveCgroup> {
  const layout = await liveCgroupLayout();
  if (typeof layout !== "string") throw new Error(layout.reason);
  const containerId = randomContainerId();
  const leaf = `docker/${containerId}`;
  const hybrid = (await sh(`[ -d ${CGROUP}/unified ] && echo yes || true`)).trim() === "yes";
  const hierarchies = layout === "v2" ? ["."] : [...V1_CONTROLLERS, ...(hybrid ? ["unified"] : [])];
  const exposed = `${options.scratch}/cgroup`;
  const undo: (() => Promise<unknown>)[] = [];
  let workload: Deno.ChildProcess | undefined;
  const stopWorkload = async () => {
    try {
      workload?.kill("SIGKILL");
    } catch { /* already gone */ }
    await workload?.status;
  };
  const restart = async () => {
    await stopWorkload();
    await removeLeaf(leaf, hierarchies);
    await sh(
      `leaf="$1"; shift; for h in "$@"; do mkdir ${CGROUP}/$h/$leaf; done`,
      leaf,
      ...hierarchies,
    );
    await setLimits(layout, leaf, options);
    workload = startWorkload(leaf, hierarchies, options);
    await waitForReady(workload.stdout);
  };
  const remove = async () => {
    for (const step of undo.reverse()) await step().catch((error) => console.error(String(error)));
  };
  try {
    const createdParents = (await sh(
      `for h in "$@"; do [ -d ${CGROUP}/$h/docker ] || { mkdir ${CGROUP}/$h/docker && echo $h; }; done`,
      ...hierarchies,
    )).split("\n").filter((line) => line !== "");
    undo.push(() =>
      sh(`for h in "$@"; do rmdir ${CGROUP}/$h/docker 2>/dev/null || true; done`, ...createdParents)
    );
    await sh(
      `leaf="$1"; shift; for h in "$@"; do mkdir ${CGROUP}/$h/$leaf; done`,
      leaf,
      ...hierarchies,
    );
    undo.push(() => removeLeaf(leaf, hierarchies));
    await setLimits(layout, leaf, options);
    workload = startWorkload(leaf, hierarchies, options);
    undo.push(stopWorkload);
    await waitForReady(workload.stdout);
    await sh(`sh "$1" "$2" 2>/dev/null`, EXPOSE, exposed);
    undo.push(() =>
      sh(`mountpoint -q "$1" || exit 0; mount --make-rprivate "$1"; umount -R "$1"`, exposed)
    );
  } catch (error) {
    await remove();
    throw error;
  }
  return { containerId, exposed, layout, restart, remove };
}

async function setLimits(layout: "v1" | "v2", leaf: string, options: LiveCgroupOptions) {
  const period = 100_000;
  const quota = (options.cpuLimitMilli * period) / 1000;
  if (layout === "v2") {
    await sh(
      `set -e
       for parent in ${CGROUP} ${CGROUP}/docker; do
         echo "+cpu +memory +io +pids" > $parent/cgroup.subtree_control 2>/dev/null || true
       done
       echo ${options.memoryLimitMb * 1024 * 1024} > ${CGROUP}/$1/memory.max
       echo "${quota} ${period}" > ${CGROUP}/$1/cpu.max
       echo ${options.pidsMax} > ${CGROUP}/$1/pids.max`,
      leaf,
    );
    return;
  }
  await sh(
    `set -e
     echo ${options.memoryLimitMb * 1024 * 1024} > ${CGROUP}/memory/$1/memory.limit_in_bytes
     echo ${period} > ${CGROUP}/cpu/$1/cpu.cfs_period_us
     echo ${quota} > ${CGROUP}/cpu/$1/cpu.cfs_quota_us
     echo ${options.pidsMax} > ${CGROUP}/pids/$1/pids.max
     # The kernel fills blkio.throttle.* only for cgroups with a rule: 1 TiB/s slows nothing.
     for device in $(lsblk -dn -o MAJ:MIN -e 1,7,11 | tr -d ' '); do
       echo "$device 1099511627776" > ${CGROUP}/blkio/$1/blkio.throttle.write_bps_device
     done`,
    leaf,
  );
}

/** A shell that joins the cgroup, holds `ballastMb` MiB, then loops: 1 MiB written with fsync, a spin. */
function startWorkload(leaf: string, hierarchies: string[], options: LiveCgroupOptions) {
  return new Deno.Command("sh", {
    args: [
      "-c",
      `for h in $HIERARCHIES; do echo $$ > ${CGROUP}/$h/$LEAF/cgroup.procs; done
       ballast=$(head -c ${options.ballastMb * 1024 * 1024} /dev/zero | tr '\\0' x)
       echo ready
       while :; do
         dd if=/dev/zero of="$SCRATCH/data" bs=1M count=1 conv=fsync 2>/dev/null
         i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done
       done`,
    ],
    env: { HIERARCHIES: hierarchies.join(" "), LEAF: leaf, SCRATCH: options.scratch },
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
}

/** Removes the leaf from every hierarchy, waiting for the killed workload to leave it. */
function removeLeaf(leaf: string, hierarchies: string[]) {
  return sh(
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
}

/** Reads the workload's stdout until it says "ready" (its ballast is allocated), then lets go. */
async function waitForReady(stdout: ReadableStream<Uint8Array>): Promise<void> {
  const decoder = new TextDecoder();
  let text = "";
  const reader = stdout.getReader();
  try {
    while (!text.includes("ready")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the workload exited before it was ready: ${JSON.stringify(text)}`);
      text += decoder.decode(value);
    }
  } finally {
    reader.releaseLock();
    await stdout.cancel();
  }
}
