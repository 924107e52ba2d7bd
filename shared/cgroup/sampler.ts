/**
 * The collector's view of one container's cgroup: a thin stateful shell that
 * reads the cgroup, keeps the last counter readings and turns them into
 * PublishRequest fields. It never throws: problems come back as `errors`.
 *
 * @module
 */

import { readCgroup } from "./read.ts";
import { type CgroupMetrics, toMetrics } from "./metrics.ts";
import { advance, type CounterState } from "./rates.ts";
import type { RawCgroup } from "./raw.ts";

export interface CgroupSamplerOptions {
  /** Where the cgroup filesystem is visible (a read-only bind mount; docs/ARCHITECTURE.md, "Platform facts"). */
  root: string;
  containerId: string;
  /** Overrides discovery: the cgroup's path below each hierarchy. */
  relativePath?: string;
}

export interface CgroupSampleResult {
  running: boolean;
  /** PublishRequest fields from the cgroup: running, milliCpuUsage, memoryTotalMb, memoryRssMb, memoryLimitMb,
   *  diskRead/WriteKbps, diskRead/WriteIops, pidsCurrent, pidsLimit and the optional extras (fields 15–26).
   *  Never unixTime / diskUsageMb / diskLimitMb (the collector adds those). bigint for 64-bit fields. */
  metrics: CgroupMetrics;
  /** One line per file that could not be read or parsed, naming the file and the problem. */
  errors: string[];
}

export class CgroupSampler {
  #state: CounterState = {};

  constructor(private readonly options: CgroupSamplerOptions) {}

  /** Reads the cgroup once; `monotonicMs` (performance.now()) is the sample instant used for rates. */
  async sample(monotonicMs: number): Promise<CgroupSampleResult> {
    const errors: string[] = [];
    let raw: RawCgroup | undefined;
    try {
      raw = await readCgroup(this.options.root, this.options, errors);
    } catch (error) {
      errors.push(`${this.options.root}: ${(error as Error).message}`);
    }
    if (raw === undefined) {
      this.#state = {};
      return { running: false, metrics: { running: false }, errors };
    }
    const { changes, state } = advance(this.#state, raw.counters, monotonicMs);
    this.#state = state;
    return { running: true, metrics: toMetrics(raw, changes, errors), errors };
  }
}
