/**
 * The raw cgroup files of one container on this host (v1 or v2), read
 * through the exposed cgroup root (Deno reads /sys only with every
 * permission) by the test itself, not through the collector, to compare
 * the collector's figures with the kernel's: CPU time, memory usage and
 * working set, OOM kills.
 *
 * @module
 */
import { join } from "node:path";

export interface CgroupFigures {
  cpuUsageNs: bigint;
  memoryUsageBytes: bigint;
  /** Usage less inactive file pages, as the collector's memory_working_set_mb. */
  workingSetBytes: bigint;
  oomKills: bigint;
}

/** Reads the container's cgroup below `root` at the first of `relativePaths` that exists. */
export async function readCgroupFigures(
  root: string,
  relativePaths: readonly string[],
): Promise<CgroupFigures> {
  const v2 = await exists(join(root, "cgroup.controllers"));
  const at = async (controller: string) => {
    for (const path of relativePaths) {
      const directory = join(root, v2 ? "" : controller, path);
      if (await exists(directory)) return directory;
    }
    throw new Error(`no cgroup at ${relativePaths.join(" or ")} (${controller})`);
  };
  const number = async (directory: string, file: string) =>
    BigInt((await Deno.readTextFile(join(directory, file))).trim());
  const key = async (directory: string, file: string, name: string) => {
    const line = (await Deno.readTextFile(join(directory, file))).split("\n")
      .find((row) => row.startsWith(`${name} `));
    return BigInt(line?.split(" ")[1] ?? "0");
  };
  if (v2) {
    const directory = await at("");
    const usage = await number(directory, "memory.current");
    const inactive = await key(directory, "memory.stat", "inactive_file");
    return {
      cpuUsageNs: await key(directory, "cpu.stat", "usage_usec") * 1000n,
      memoryUsageBytes: usage,
      workingSetBytes: usage > inactive ? usage - inactive : 0n,
      oomKills: await key(directory, "memory.events", "oom_kill"),
    };
  }
  const memory = await at("memory");
  const usage = await number(memory, "memory.usage_in_bytes");
  const inactive = await key(memory, "memory.stat", "total_inactive_file");
  return {
    cpuUsageNs: await number(await at("cpuacct"), "cpuacct.usage"),
    memoryUsageBytes: usage,
    workingSetBytes: usage > inactive ? usage - inactive : 0n,
    oomKills: await key(memory, "memory.oom_control", "oom_kill"),
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
