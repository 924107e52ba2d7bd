/**
 * The cgroup the collector benchmark measures. As root on a cgroup v1 or
 * hybrid host: a real container-like cgroup (`docker/<id>` in each v1
 * controller and the unified hierarchy) holding a small busy workload, with
 * the cgroup filesystem exposed read-only by collector/expose-cgroup.sh, the
 * way production runs (docs/ARCHITECTURE.md, "Platform facts"). Otherwise the hybrid fixture's second
 * snapshot, and `source` says why.
 */
import { fileURLToPath } from "node:url";
import { fixturePath, readCapture } from "../tests/support/cgroup_fixtures.ts";

const SYS_CGROUP = "/sys/fs/cgroup";
const EXPOSE = fileURLToPath(new URL("../collector/expose-cgroup.sh", import.meta.url));
const FIXTURE = "hybrid-systemd";

export interface WorkloadCgroup extends AsyncDisposable {
  /** MINI_COLLECTOR_CGROUP_PATH */
  root: string;
  containerId: string;
  /** A directory on a real volume, for MINI_COLLECTOR_MOUNT_PATH. */
  volume: string;
  /** "live cgroup …" or "fixture …, because …". */
  source: string;
}

async function sh(script: string, ...args: string[]): Promise<string> {
  const output = await new Deno.Command("sh", {
    args: ["-c", script, "sh", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  if (!output.success) throw new Error(`sh -c ${script}: ${text.decode(output.stderr)}`);
  return text.decode(output.stdout).trim();
}

/** Why a live cgroup cannot be made here, or undefined when it can. */
async function liveUnavailable(): Promise<string | undefined> {
  if (Deno.uid() !== 0) return "not running as root (cgroups and bind mounts need root)";
  const layout = await sh(
    `[ -e ${SYS_CGROUP}/cgroup.controllers ] && echo v2 || { [ -d ${SYS_CGROUP}/memory ] && echo v1; } || echo none`,
  );
  return layout === "v1" ? undefined : `cgroup layout "${layout}" (the harness creates v1 cgroups)`;
}

export async function workloadCgroup(): Promise<WorkloadCgroup> {
  const scratch = await Deno.makeTempDir({ prefix: "mini-collector-bench-" });
  const unavailable = await liveUnavailable();
  if (unavailable !== undefined) {
    const capture = await readCapture(FIXTURE);
    return {
      root: fixturePath(FIXTURE, "t1"),
      containerId: capture.containerId,
      volume: scratch,
      source: `fixture ${FIXTURE}/t1 (a static snapshot), because ${unavailable}`,
      [Symbol.asyncDispose]: () => Deno.remove(scratch, { recursive: true }),
    };
  }
  return await liveCgroup(scratch);
}

async function liveCgroup(scratch: string): Promise<WorkloadCgroup> {
  const containerId = [...crypto.getRandomValues(new Uint8Array(32))]
    .map((byte) => byte.toString(16).padStart(2, "0")).join("");
  const hierarchies = (await sh(
    `for h in cpu cpuacct memory blkio pids unified; do [ -d ${SYS_CGROUP}/$h ] && echo $h; done`,
  )).split("\n");
  const leaf = `docker/${containerId}`;
  const root = `${scratch}/cgroup`;
  // Parents (`<hierarchy>/docker`) made here, removed again afterwards if empty.
  const parents = (await sh(
    `for h in "$@"; do [ -d ${SYS_CGROUP}/$h/docker ] || { mkdir ${SYS_CGROUP}/$h/docker && echo $h; }; done`,
    ...hierarchies,
  )).split("\n").filter((name) => name !== "");
  await sh(`for h in "$@"; do mkdir ${SYS_CGROUP}/$h/${leaf}; done`, ...hierarchies);
  // A light, steady container: a few MiB held, a short burst of work and a small fsync'd write each second.
  const workload = new Deno.Command("sh", {
    args: [
      "-c",
      `for h in ${hierarchies.join(" ")}; do echo $$ > ${SYS_CGROUP}/$h/${leaf}/cgroup.procs; done
       ballast=$(head -c 4194304 /dev/zero | tr '\\0' x)
       while :; do
         dd if=/dev/zero of=${scratch}/data bs=64k count=1 conv=fsync 2>/dev/null
         i=0; while [ $i -lt 2000 ]; do i=$((i + 1)); done
         sleep 1
       done`,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  await sh(`sh "$1" "$2" 2>/dev/null`, EXPOSE, root);
  const kernel = await sh("uname -r");
  return {
    root,
    containerId,
    volume: scratch,
    source: `live cgroup ${leaf} on this host (Linux ${kernel}; ${
      hierarchies.join(", ")
    }) through a read-only bind mount`,
    async [Symbol.asyncDispose]() {
      workload.kill("SIGKILL");
      await workload.status;
      await sh(`mountpoint -q "$1" || exit 0; mount --make-rprivate "$1"; umount -R "$1"`, root);
      await sh(
        `for h in "$@"; do
           n=0; while [ -d ${SYS_CGROUP}/$h/${leaf} ] && ! rmdir ${SYS_CGROUP}/$h/${leaf} 2>/dev/null; do
             n=$((n + 1)); [ $n -lt 100 ] || break; sleep 0.05; done
         done`,
        ...hierarchies,
      );
      await sh(
        `for h in "$@"; do rmdir ${SYS_CGROUP}/$h/docker 2>/dev/null || true; done`,
        ...parents,
      );
      await Deno.remove(scratch, { recursive: true });
    },
  };
}
