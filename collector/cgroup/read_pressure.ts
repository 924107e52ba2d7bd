/**
 * Pressure stall information of one cgroup v2 directory (a v2 cgroup, or the
 * unified twin of a v1 cgroup on a hybrid host).
 *
 * @module
 */

import type { CgroupDirectory } from "./directory.ts";
import { parsePressure } from "./parse/pressure.ts";
import type { RawCgroup } from "./raw.ts";

export function readPressure(
  directory: CgroupDirectory,
): Pick<RawCgroup, "cpuPressure" | "memoryPressure" | "ioPressure"> {
  return {
    cpuPressure: directory.read("cpu.pressure", parsePressure),
    memoryPressure: directory.read("memory.pressure", parsePressure),
    ioPressure: directory.read("io.pressure", parsePressure),
  };
}
