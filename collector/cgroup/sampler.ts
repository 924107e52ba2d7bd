/**
 * The collector's view of one container's cgroup: a thin stateful shell that
 * reads the cgroup, keeps the last counter readings and turns them into
 * PublishRequest fields. It never throws: problems come back as `errors`.
 *
 * On a cgroup filesystem it locates the container once and keeps its files
 * open across samples (./files.ts); when a kept file fails (the cgroup was
 * removed, or removed and created again) it drops them, locates the
 * container afresh and reads it in the same sample. Anywhere else (a fixture
 * copy) it locates and opens every file on every sample.
 *
 * @module
 */

import { KeptFiles, onCgroupFilesystem, openPerRead } from "./files.ts";
import { locateCgroup, type LocatedCgroup, locatedDirectories, readLocated } from "./read.ts";
import { type CgroupMetrics, toMetrics } from "./metrics.ts";
import { advance, type CounterState } from "./rates.ts";
import type { RawCgroup } from "./raw.ts";
import { describeSearch, missingControllers } from "./search.ts";

export interface CgroupSamplerOptions {
  /** Where the cgroup filesystem is visible (a read-only bind mount; docs/ARCHITECTURE.md, "Platform facts"). */
  root: string;
  /**
   * The cgroup's path below each hierarchy, or several to try in order (a
   * container runtime's layouts for one container, collector/host/).
   */
  relativePaths: readonly string[];
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

export class CgroupSampler implements Disposable {
  #state: CounterState = {};
  /** The located cgroup whose files are kept open, while they keep reading. */
  #kept?: { cgroup: LocatedCgroup; files: KeptFiles };

  constructor(private readonly options: CgroupSamplerOptions) {}

  /** Reads the cgroup once; `monotonicMs` (performance.now()) is the sample instant used for rates. */
  async sample(monotonicMs: number): Promise<CgroupSampleResult> {
    const errors: string[] = [];
    let raw: RawCgroup | undefined;
    try {
      raw = await this.#read(errors);
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

  async #read(errors: string[]): Promise<RawCgroup | undefined> {
    if (this.#kept !== undefined) {
      const { cgroup, files } = this.#kept;
      const keptErrors: string[] = [];
      const raw = readLocated(cgroup, files, keptErrors);
      if (!files.failed) {
        errors.push(...keptErrors);
        return raw;
      }
      this[Symbol.dispose]();
    }
    const cgroup = await locateCgroup(this.options.root, this.options, errors);
    if (cgroup === undefined) return undefined;
    if (!onCgroupFilesystem(locatedDirectories(cgroup))) {
      return readLocated(cgroup, openPerRead, errors);
    }
    this.#kept = { cgroup, files: new KeptFiles() };
    return readLocated(cgroup, this.#kept.files, errors);
  }

  /** Where the container's cgroup was looked for (for a sample that found none). */
  describeSearch(): Promise<string> {
    return describeSearch(this.options.root, this.options);
  }

  /** The host's missing v1 controller hierarchies, one sentence each. */
  missingControllers(): Promise<string[]> {
    return missingControllers(this.options.root);
  }

  /** Closes the files kept open. */
  [Symbol.dispose](): void {
    this.#kept?.files[Symbol.dispose]();
    this.#kept = undefined;
  }
}
