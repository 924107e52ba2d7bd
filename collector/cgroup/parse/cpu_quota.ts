/**
 * The CFS bandwidth limit: cgroup v2 `cpu.max` (`$MAX $PERIOD`, `max` when
 * unlimited) and cgroup v1 `cpu.cfs_quota_us` (-1 when unlimited) with
 * `cpu.cfs_period_us`.
 *
 * @module
 */

import { FormatError } from "./format_error.ts";
import { parseUint64 } from "./number.ts";
import { NO_LIMIT, singleToken } from "./single.ts";

interface CpuQuota {
  quotaUs: bigint;
  periodUs: bigint;
}
export type CpuLimit = CpuQuota | typeof NO_LIMIT;

export function parseCpuMax(text: string): CpuLimit {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 2) throw new FormatError('expected "$MAX $PERIOD"');
  return fields[0] === NO_LIMIT ? NO_LIMIT : quota(parseUint64(fields[0]), parseUint64(fields[1]));
}

/** v1 `cpu.cfs_quota_us`: -1 or microseconds per period. */
export function parseCfsQuota(text: string): bigint | typeof NO_LIMIT {
  const token = singleToken(text);
  return token === "-1" ? NO_LIMIT : parseUint64(token);
}

export function quota(quotaUs: bigint, periodUs: bigint): CpuQuota {
  if (periodUs === 0n) throw new FormatError("the period is 0");
  return { quotaUs, periodUs };
}
