/**
 * Reads a cgroup v1 container (one directory per controller) into a RawCgroup:
 * cpuacct.usage; cpu.stat throttling and the CFS quota; memory usage, limit,
 * memory.stat (hierarchical `total_` keys preferred) and memory.oom_control's
 * oom_kill; blkio Read/Write bytes and operations; pids when its hierarchy
 * exists (absent otherwise, like the cpu controller's fields).
 *
 * @module
 */

import { CgroupDirectory } from "../directory.ts";
import { type FileReader, openPerRead } from "../files.ts";
import { type BlkioTable, parseBlkioTable } from "../parse/blkio.ts";
import { NO_LIMIT, parseLimit, parseValue } from "../parse/single.ts";
import { type KeyedValues, parseKeyed } from "../parse/keyed.ts";
import { parseCfsQuota, quota } from "../parse/cpu_quota.ts";
import type { Counters, RawCgroup } from "../raw.ts";
import type { V1Paths } from "./locate.ts";

/**
 * The blkio tables, best first. CFQ's `blkio.io_service*_recursive` are empty
 * (or hold only `Total 0`) under any other I/O scheduler, and do not exist on
 * kernels without CFQ (5.0+); the throttle tables then carry the counts. The
 * recursive throttle table, where it exists, lists the same devices as the
 * plain one (both print the cgroup's own block groups, the recursive one with
 * its descendants' counts added), so the plain one is read only without it.
 */
const BLKIO_SOURCES = [
  { bytes: "blkio.io_service_bytes_recursive", operations: "blkio.io_serviced_recursive" },
  {
    bytes: "blkio.throttle.io_service_bytes_recursive",
    operations: "blkio.throttle.io_serviced_recursive",
    last: true,
  },
  { bytes: "blkio.throttle.io_service_bytes", operations: "blkio.throttle.io_serviced" },
] as const;

export function readV1(
  paths: V1Paths,
  errors: string[],
  files: FileReader = openPerRead,
): RawCgroup {
  const directory = (path: string) => new CgroupDirectory(path, errors, files);
  const cpuacct = directory(paths.cpuacct);
  const memory = directory(paths.memory);
  const counters: Counters = {
    cpuUsageNs: cpuacct.read("cpuacct.usage", parseValue),
    ...readBlkio(directory(paths.blkio)),
  };
  const raw: RawCgroup = {
    counters,
    ...readMemory(memory),
  };
  if (paths.pids !== undefined) {
    const pids = directory(paths.pids);
    raw.pidsCurrent = pids.read("pids.current", parseValue);
    raw.pidsLimit = pids.read("pids.max", parseLimit);
  }
  if (paths.cpu !== undefined) {
    const cpu = directory(paths.cpu);
    const stat = cpu.read("cpu.stat", parseKeyed);
    counters.throttledPeriods = cpu.pick("cpu.stat", stat, (s) => s.uint("nr_throttled"));
    counters.throttledNs = cpu.pick("cpu.stat", stat, (s) => s.uint("throttled_time"));
    const quotaUs = cpu.read("cpu.cfs_quota_us", parseCfsQuota);
    const periodUs = cpu.read("cpu.cfs_period_us", parseValue);
    if (quotaUs === NO_LIMIT) raw.cpuLimit = NO_LIMIT;
    else if (quotaUs !== undefined) {
      raw.cpuLimit = cpu.pick("cpu.cfs_period_us", periodUs, (period) => quota(quotaUs, period));
    }
  }
  return raw;
}

function readMemory(memory: CgroupDirectory): Omit<RawCgroup, "counters"> {
  const stat = memory.read("memory.stat", parseKeyed);
  const fromStat = (extract: (stat: KeyedValues) => bigint) =>
    memory.pick("memory.stat", stat, extract);
  const oomControl = memory.read("memory.oom_control", parseKeyed);
  return {
    memoryUsageBytes: memory.read("memory.usage_in_bytes", parseValue),
    memoryLimitBytes: memory.read("memory.limit_in_bytes", parseValue),
    memoryRssBytes: fromStat((s) => s.hierarchicalUint("rss") + s.hierarchicalUint("mapped_file")),
    memoryCacheBytes: fromStat((s) => s.hierarchicalUint("cache")),
    memoryInactiveFileBytes: fromStat((s) => s.hierarchicalUint("inactive_file")),
    // oom_kill appeared in Linux 4.13; older kernels leave it absent.
    memoryOomKills: memory.pick(
      "memory.oom_control",
      oomControl,
      (s) => s.optionalUint("oom_kill"),
    ),
  };
}

/**
 * Read and Write bytes and operations from the best table. A bytes table that
 * lists no device means no I/O was accounted: its operations table is empty
 * too, so it is not read.
 */
function readBlkio(blkio: CgroupDirectory): Counters {
  let chosen: { bytes: BlkioTable; operationsName: string } | undefined;
  for (const source of BLKIO_SOURCES) {
    const bytes = blkio.read(source.bytes, parseBlkioTable);
    if (bytes === undefined) continue;
    if (chosen === undefined || bytes.devices > 0) {
      chosen = { bytes, operationsName: source.operations };
    }
    if (bytes.devices > 0 || "last" in source) break;
  }
  if (chosen === undefined) return {};
  const operations = chosen.bytes.devices === 0
    ? { read: 0n, write: 0n }
    : blkio.read(chosen.operationsName, parseBlkioTable);
  return {
    readBytes: chosen.bytes.read,
    writeBytes: chosen.bytes.write,
    readOperations: operations?.read,
    writeOperations: operations?.write,
  };
}
