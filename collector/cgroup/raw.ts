/**
 * The raw reading of one cgroup, the same for v1 and v2: monotonically
 * increasing counters (turned into rates later) and instantaneous gauges, in
 * the kernel's units (bytes, nanoseconds, operations). A field is undefined
 * when the kernel does not provide it or its file could not be parsed.
 *
 * @module
 */

import type { CpuLimit } from "./parse/cpu_quota.ts";
import type { Pressure } from "./parse/pressure.ts";
import type { Limit } from "./parse/single.ts";

export const COUNTER_NAMES = [
  "cpuUsageNs",
  "readBytes",
  "writeBytes",
  "readOperations",
  "writeOperations",
  "throttledPeriods",
  "throttledNs",
] as const;
export type CounterName = typeof COUNTER_NAMES[number];
export type Counters = Partial<Record<CounterName, bigint>>;

export interface RawCgroup {
  counters: Counters;
  memoryUsageBytes?: bigint;
  memoryLimitBytes?: Limit;
  memoryRssBytes?: bigint;
  memoryCacheBytes?: bigint;
  memoryInactiveFileBytes?: bigint;
  memoryOomKills?: bigint;
  pidsCurrent?: bigint;
  pidsLimit?: Limit;
  cpuLimit?: CpuLimit;
  cpuPressure?: Pressure;
  memoryPressure?: Pressure;
  ioPressure?: Pressure;
}
