/**
 * Reads a cgroup v2 container (one directory) into a RawCgroup: cpu.stat
 * usage and throttling, cpu.max, memory.current/max/stat/events, io.stat
 * summed over devices, pids, and pressure stall information.
 *
 * @module
 */

import { CgroupDirectory } from "../directory.ts";
import { type FileReader, openPerRead } from "../files.ts";
import { parseCpuMax } from "../parse/cpu_quota.ts";
import { parseIoStat } from "../parse/io_stat.ts";
import { type KeyedValues, parseKeyed } from "../parse/keyed.ts";
import { parseLimit, parseValue } from "../parse/single.ts";
import type { RawCgroup } from "../raw.ts";
import { readPressure } from "../read_pressure.ts";

const NS_PER_US = 1000n;

export function readV2(
  path: string,
  errors: string[],
  files: FileReader = openPerRead,
): RawCgroup {
  const cgroup = new CgroupDirectory(path, errors, files);
  const cpuStat = cgroup.read("cpu.stat", parseKeyed);
  const fromCpuStat = (extract: (stat: KeyedValues) => bigint | undefined) =>
    cgroup.pick("cpu.stat", cpuStat, extract);
  const io = cgroup.read("io.stat", parseIoStat);
  const memoryStat = cgroup.read("memory.stat", parseKeyed);
  const fromMemoryStat = (extract: (stat: KeyedValues) => bigint) =>
    cgroup.pick("memory.stat", memoryStat, extract);
  const events = cgroup.read("memory.events", parseKeyed);
  return {
    counters: {
      cpuUsageNs: fromCpuStat((s) => s.uint("usage_usec") * NS_PER_US),
      // Throttling keys appear only when the cpu controller is enabled for the cgroup.
      throttledPeriods: fromCpuStat((s) => s.optionalUint("nr_throttled")),
      throttledNs: fromCpuStat((s) => {
        const throttled = s.optionalUint("throttled_usec");
        return throttled === undefined ? undefined : throttled * NS_PER_US;
      }),
      readBytes: io?.bytes.read,
      writeBytes: io?.bytes.write,
      readOperations: io?.operations.read,
      writeOperations: io?.operations.write,
    },
    cpuLimit: cgroup.read("cpu.max", parseCpuMax),
    memoryUsageBytes: cgroup.read("memory.current", parseValue),
    memoryLimitBytes: cgroup.read("memory.max", parseLimit),
    memoryRssBytes: fromMemoryStat((s) => s.uint("anon") + s.uint("file_mapped")),
    memoryCacheBytes: fromMemoryStat((s) => s.uint("file")),
    memoryInactiveFileBytes: fromMemoryStat((s) => s.uint("inactive_file")),
    memoryOomKills: cgroup.pick("memory.events", events, (s) => s.optionalUint("oom_kill")),
    pidsCurrent: cgroup.read("pids.current", parseValue),
    pidsLimit: cgroup.read("pids.max", parseLimit),
    ...readPressure(cgroup),
  };
}
