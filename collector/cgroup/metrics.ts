/**
 * Converts a raw cgroup reading and its counter changes into PublishRequest
 * fields, with the formulas of docs/ARCHITECTURE.md, "Metric formulas": MiB = 1024 × 1024, CPU in
 * thousandths of a CPU (Δns ÷ Δµs), disk rates per second, truncated towards
 * zero like the Go original. A field whose input is absent stays absent.
 *
 * @module
 */

import type { MessageInitShape } from "@bufbuild/protobuf";
import type { PublishRequestSchema } from "../../shared/gen/aggregator_pb.ts";
import { MAX_UINT64 } from "./parse/number.ts";
import { type Limit, NO_LIMIT } from "./parse/single.ts";
import type { Pressure } from "./parse/pressure.ts";
import { type Change, type Changes, rate } from "./rates.ts";
import type { RawCgroup } from "./raw.ts";

export type CgroupMetrics = MessageInitShape<typeof PublishRequestSchema>;

export const MIB = 1024n * 1024n;
const PER_SECOND = 1_000_000n;
const KIB = 1024n;

/**
 * "No memory limit". cgroup v1 reports it as 9223372036854771712 (2^63 − 1
 * rounded down to a page), which the Go original divided by MiB and sent as
 * 8796093022207. That same number is sent for cgroup v2's `max` and for any v1
 * value at or above the v1 maximum, so an unlimited container looks the same
 * whatever the kernel.
 */
const NO_MEMORY_LIMIT_BYTES = 9223372036854771712n;
export const NO_MEMORY_LIMIT_MB = NO_MEMORY_LIMIT_BYTES / MIB;

export function toMetrics(raw: RawCgroup, changes: Changes, errors: string[]): CgroupMetrics {
  const metrics: CgroupMetrics = { running: true };
  const set = (field: keyof CgroupMetrics & string, value: bigint | undefined) => {
    if (value === undefined) return;
    if (value > MAX_UINT64) errors.push(`${field}: ${value} does not fit in 64 bits`);
    else (metrics as Record<string, bigint>)[field] = value;
  };
  const when = <T>(input: T | undefined, compute: (input: T) => bigint | undefined) =>
    input === undefined ? undefined : compute(input);
  const perSecond = (change: Change | undefined) => when(change, (c) => rate(c, PER_SECOND));
  const perMicrosecond = (change: Change | undefined) => when(change, (c) => rate(c, 1n));
  const mib = (bytes: bigint | undefined) => when(bytes, (b) => b / MIB);

  set("milliCpuUsage", perMicrosecond(changes.cpuUsageNs));
  set("memoryTotalMb", mib(raw.memoryUsageBytes));
  set("memoryRssMb", mib(raw.memoryRssBytes));
  set("memoryLimitMb", when(raw.memoryLimitBytes, memoryLimitMb));
  set("diskReadKbps", when(perSecond(changes.readBytes), (bytes) => bytes / KIB));
  set("diskWriteKbps", when(perSecond(changes.writeBytes), (bytes) => bytes / KIB));
  set("diskReadIops", perSecond(changes.readOperations));
  set("diskWriteIops", perSecond(changes.writeOperations));
  set("pidsCurrent", raw.pidsCurrent);
  set("pidsLimit", when(raw.pidsLimit, (limit) => limit === NO_LIMIT ? 0n : limit));
  set(
    "cpuLimitMilli",
    when(
      raw.cpuLimit,
      (limit) => limit === NO_LIMIT ? undefined : limit.quotaUs * 1000n / limit.periodUs,
    ),
  );
  set("cpuThrottledPeriods", changes.throttledPeriods?.delta);
  set("cpuThrottledMilli", perMicrosecond(changes.throttledNs));
  set("memoryOomKills", raw.memoryOomKills);
  set(
    "memoryWorkingSetMb",
    when(
      raw.memoryUsageBytes,
      (usage) =>
        when(
          raw.memoryInactiveFileBytes,
          (inactive) => usage > inactive ? (usage - inactive) / MIB : 0n,
        ),
    ),
  );
  set("memoryCacheMb", mib(raw.memoryCacheBytes));
  Object.assign(
    metrics,
    pressure("cpu", raw.cpuPressure),
    pressure("memory", raw.memoryPressure),
    pressure("io", raw.ioPressure),
  );
  return metrics;
}

function memoryLimitMb(limit: Limit): bigint {
  return limit === NO_LIMIT || limit >= NO_MEMORY_LIMIT_BYTES ? NO_MEMORY_LIMIT_MB : limit / MIB;
}

function pressure(resource: "cpu" | "memory" | "io", values: Pressure | undefined): CgroupMetrics {
  const metrics: Record<string, number> = {};
  if (values?.someAvg10 !== undefined) metrics[`${resource}PressureSomeAvg10`] = values.someAvg10;
  if (values?.fullAvg10 !== undefined) metrics[`${resource}PressureFullAvg10`] = values.fullAvg10;
  return metrics;
}
