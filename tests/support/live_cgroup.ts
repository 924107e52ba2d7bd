/**
 * Real container-like cgroups on this machine (root only): `docker/<id>` in
 * every cgroup v1 controller the collector reads plus the unified hierarchy
 * on a hybrid host, or in the cgroup v2 tree, with a memory, CPU and pids
 * limit and a small workload moved into it (holding memory, spinning,
 * writing with fsync, or idle), and the cgroup filesystem exposed read-only
 * with collector/expose-cgroup.sh at a path Deno may read
 * (docs/ARCHITECTURE.md, "Platform facts"). {@link LiveCgroupHost} holds many
 * containers that come and go; {@link createLiveCgroup} makes one. Each
 * `remove()` undoes everything it did, in reverse.
 *
 * @module
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
  /**
   * What a container restart does to its cgroup: the workload killed, the
   * cgroup removed, then created again with its limits and a new workload.
   */
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

/** What a container's workload does: each part is optional; with none it only sleeps. */
export interface Workload {
  /** Memory held, MiB. */
  ballastMb?: number;
  /** Spins (best under a CPU quota). */
  spin?: boolean;
  /** Writes and fsyncs this many KiB each round. */
  fsyncKib?: number;
  /** Sleeps this long each round, seconds. */
  pauseS?: number;
}

/** The limits and workload of one container. */
export interface ContainerSpec {
  memoryLimitMb: number;
  pidsMax: number;
  /** CPU quota in thousandths of a CPU; none: no quota. */
  cpuLimitMilli?: number;
  workload: Workload;
}

/** One container of a {@link LiveCgroupHost}: its cgroup with its workload in it. */
export interface LiveContainer {
  containerId: string;
  /** Kills the workload and removes the cgroup, as Docker does when a container stops. */
  remove(): Promise<void>;
}

/**
 * The cgroup hierarchies of this host with the `docker` parent made where it
 * was missing, and the cgroup filesystem exposed read-only at `exposed`;
 * containers are added and removed while it stands. `remove()` removes the
 * containers still there, the exposure and the parents it made.
 */
export class LiveCgroupHost {
  readonly #containers = new Set<LiveContainer>();
  readonly #undo: (() => Promise<unknown>)[] = [];

  private constructor(
    readonly layout: "v1" | "v2",
    readonly hierarchies: string[],
    /** The exposed (read-only) cgroup root: MINI_COLLECTOR_CGROUP_PATH. */
    readonly exposed: string,
    /** Where workloads write their files. */
    readonly scratch: string,
  ) {}

  /** Exposes the cgroup filesystem at `<scratch>/cgroup`; throws when not root or no cgroups. */
  static async create(scratch: string): Promise<LiveCgroupHost> {
    const layout = await liveCgroupLayout();
    if (typeof layout !== "string") throw new Error(layout.reason);
    const hybrid = (await sh(`[ -d ${CGROUP}/unified ] && echo yes || true`)).trim() === "yes";
    const hierarchies = layout === "v2"
      ? ["."]
      : [...V1_CONTROLLERS, ...(hybrid ? ["unified"] : [])];
    const host = new LiveCgroupHost(layout, hierarchies, `${scratch}/cgroup`, scratch);
    try {
      const createdParents = (await sh(
        `for h in "$@"; do [ -d ${CGROUP}/$h/docker ] || { mkdir ${CGROUP}/$h/docker && echo $h; }; done`,
        ...hierarchies,
      )).split("\n").filter((line) => line !== "");
      host.#undo.push(() =>
        sh(
          `for h in "$@"; do rmdir ${CGROUP}/$h/docker 2>/dev/null || true; done`,
          ...createdParents,
        )
      );
      await sh(`sh "$1" "$2" 2>/dev/null`, EXPOSE, host.exposed);
      host.#undo.push(() =>
        sh(`mountpoint -q "$1" || exit 0; mount --make-rprivate "$1"; umount -R "$1"`, host.exposed)
      );
    } catch (error) {
      await host.remove();
      throw error;
    }
    return host;
  }

  /** Creates `docker/<containerId>` with the spec's limits and starts its workload in it. */
  async addContainer(
    spec: ContainerSpec,
    containerId = randomContainerId(),
  ): Promise<LiveContainer> {
    const leaf = `docker/${containerId}`;
    const undo: (() => Promise<unknown>)[] = [];
    const undoAll = async () => {
      for (const step of undo.reverse()) {
        await step().catch((error) => console.error(String(error)));
      }
    };
    const container: LiveContainer = {
      containerId,
      remove: async () => {
        this.#containers.delete(container);
        await undoAll();
      },
    };
    try {
      await sh(
        `leaf="$1"; shift; for h in "$@"; do mkdir ${CGROUP}/$h/$leaf; done`,
        leaf,
        ...this.hierarchies,
      );
      undo.push(() => removeLeaf(leaf, this.hierarchies));
      await setLimits(this.layout, leaf, spec);
      const workload = startWorkload(leaf, this.hierarchies, spec.workload, this.scratch);
      undo.push(async () => {
        try {
          workload.kill("SIGKILL");
        } catch { /* already gone */ }
        await workload.status;
      });
      await waitForReady(workload.stdout);
    } catch (error) {
      await undoAll();
      throw error;
    }
    this.#containers.add(container);
    return container;
  }

  async remove(): Promise<void> {
    for (const container of [...this.#containers]) await container.remove();
    for (const step of this.#undo.reverse()) {
      await step().catch((error) => console.error(String(error)));
    }
  }
}

/** One container with a workload that holds memory, spins and writes with fsync, on its own host. */
export async function createLiveCgroup(options: LiveCgroupOptions): Promise<LiveCgroup> {
  const host = await LiveCgroupHost.create(options.scratch);
  const spec: ContainerSpec = {
    memoryLimitMb: options.memoryLimitMb,
    pidsMax: options.pidsMax,
    cpuLimitMilli: options.cpuLimitMilli,
    workload: { ballastMb: options.ballastMb, spin: true, fsyncKib: 1024 },
  };
  let container: LiveContainer;
  try {
    container = await host.addContainer(spec);
  } catch (error) {
    await host.remove();
    throw error;
  }
  return {
    containerId: container.containerId,
    exposed: host.exposed,
    layout: host.layout,
    restart: async () => {
      await container.remove();
      container = await host.addContainer(spec, container.containerId);
    },
    remove: () => host.remove(),
  };
}

async function setLimits(layout: "v1" | "v2", leaf: string, spec: ContainerSpec) {
  const period = 100_000;
  const quota = spec.cpuLimitMilli === undefined ? -1 : (spec.cpuLimitMilli * period) / 1000;
  if (layout === "v2") {
    await sh(
      `set -e
       for parent in ${CGROUP} ${CGROUP}/docker; do
         echo "+cpu +memory +io +pids" > $parent/cgroup.subtree_control 2>/dev/null || true
       done
       echo ${spec.memoryLimitMb * 1024 * 1024} > ${CGROUP}/$1/memory.max
       echo "${quota < 0 ? "max" : quota} ${period}" > ${CGROUP}/$1/cpu.max
       echo ${spec.pidsMax} > ${CGROUP}/$1/pids.max`,
      leaf,
    );
    return;
  }
  await sh(
    `set -e
     echo ${spec.memoryLimitMb * 1024 * 1024} > ${CGROUP}/memory/$1/memory.limit_in_bytes
     echo ${period} > ${CGROUP}/cpu/$1/cpu.cfs_period_us
     echo ${quota} > ${CGROUP}/cpu/$1/cpu.cfs_quota_us
     echo ${spec.pidsMax} > ${CGROUP}/pids/$1/pids.max
     # The kernel fills blkio.throttle.* only for cgroups with a rule: 1 TiB/s slows nothing.
     for device in $(lsblk -dn -o MAJ:MIN -e 1,7,11 | tr -d ' '); do
       echo "$device 1099511627776" > ${CGROUP}/blkio/$1/blkio.throttle.write_bps_device
     done`,
    leaf,
  );
}

/**
 * A shell that joins the cgroup, holds the ballast, says "ready", then loops:
 * a write with fsync, a spin, a pause, as asked. With nothing to do each round
 * it sleeps for good.
 */
function startWorkload(leaf: string, hierarchies: string[], workload: Workload, scratch: string) {
  const { ballastMb = 0, spin = false, fsyncKib = 0 } = workload;
  const busy = spin || fsyncKib > 0;
  const round = [
    fsyncKib > 0 && `dd if=/dev/zero of="$DATA" bs=1k count=${fsyncKib} conv=fsync 2>/dev/null`,
    spin && "i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done",
    (workload.pauseS ?? (busy ? 0 : 3600)) > 0 && `sleep ${workload.pauseS ?? 3600}`,
  ].filter(Boolean).join("\n");
  return new Deno.Command("sh", {
    args: [
      "-c",
      `for h in $HIERARCHIES; do echo $$ > ${CGROUP}/$h/$LEAF/cgroup.procs; done
       ${
        ballastMb > 0 ? `ballast=$(head -c ${ballastMb * 1024 * 1024} /dev/zero | tr '\\0' x)` : ""
      }
       echo ready
       while :; do
         ${round}
       done`,
    ],
    env: {
      HIERARCHIES: hierarchies.join(" "),
      LEAF: leaf,
      DATA: `${scratch}/${leaf.replace("/", "-")}.data`,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
}

/**
 * Removes the leaf from every hierarchy: kills what is still in it (the
 * workload's children, e.g. a `sleep`), waiting for them to leave.
 */
function removeLeaf(leaf: string, hierarchies: string[]) {
  return sh(
    `leaf="$1"; shift
     for h in "$@"; do
       tries=0
       while [ -d ${CGROUP}/$h/$leaf ] && ! rmdir ${CGROUP}/$h/$leaf 2>/dev/null; do
         for pid in $(cat ${CGROUP}/$h/$leaf/cgroup.procs 2>/dev/null); do kill -9 $pid 2>/dev/null; done
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
