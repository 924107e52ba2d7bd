/**
 * Pressure stall information of one cgroup v2 directory (a v2 cgroup, or the
 * unified twin of a v1 cgroup on a hybrid host).
 *
 * @module
 */

import type { CgroupDirectory } from "./directory.ts";
import { parsePressure } from "./parse/pressure.ts";
import type { RawCgroup } from "./raw.ts";

export async function readPressure(
  directory: CgroupDirectory,
): Promise<Pick<RawCgroup, "cpuPressure" | "memoryPressure" | "ioPressure">> {
  return {
    cpuPressure: await directory.read("cpu.pressure", parsePressure),
    memoryPressure: await directory.read("memory.pressure", parsePressure),
    ioPressure: await directory.read("io.pressure", parsePressure),
  };
}
