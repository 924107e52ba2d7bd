/**
 * Disk usage of the measured volume (`MINI_COLLECTOR_MOUNT_PATH`) from
 * statfs, in MiB as the original reported it: used = (blocks − bavail) × bsize,
 * limit = blocks × bsize. No volume, or a volume statfs cannot read, reports
 * −1 for both; the latter adds a line naming the path and the reason to the
 * caller's errors (logged once, then summarised: collector/repeated_errors.ts). statfs is
 * called synchronously behind the promise: it answers from the kernel at once,
 * and the asynchronous form costs a thread-pool round trip every poll.
 *
 * @module
 */
import { statfsSync } from "node:fs";

interface DiskUsage {
  diskUsageMb: bigint;
  diskLimitMb: bigint;
}

const MIB = 1024n * 1024n;
const UNKNOWN: DiskUsage = { diskUsageMb: -1n, diskLimitMb: -1n };

export function diskUsage(mountPath: string | undefined, errors: string[]): Promise<DiskUsage> {
  return Promise.resolve(measure(mountPath, errors));
}

function measure(mountPath: string | undefined, errors: string[]): DiskUsage {
  if (mountPath === undefined) return UNKNOWN;
  try {
    const stats = statfsSync(mountPath, { bigint: true });
    return {
      diskUsageMb: (stats.blocks - stats.bavail) * stats.bsize / MIB,
      diskLimitMb: stats.blocks * stats.bsize / MIB,
    };
  } catch (error) {
    errors.push(`cannot measure disk usage of ${mountPath}: ${(error as Error).message}`);
    return UNKNOWN;
  }
}
