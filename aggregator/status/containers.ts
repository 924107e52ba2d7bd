/**
 * What the status page knows of each container: its tags, the time and
 * arrival of its latest point, the few metrics a row shows, and its
 * {@link ContainerHistory}. A container is its tag set. It is fed with every
 * point the intake accepted, after the spool committed them, and forgets a
 * container 15 minutes after its last point; it never holds more than
 * {@link MAX_CONTAINERS}, and counts the points it left out for that.
 *
 * @module
 */
import type { Tags } from "../../shared/tags.ts";
import type { Point } from "../stored_point.ts";
import {
  ContainerHistory,
  HISTORY_SECONDS,
  MAX_CONTAINERS,
  type Series,
  SLOT_SECONDS,
} from "./history.ts";

/** The metrics a row shows, by protobuf field name (absent optional ones are omitted). */
export const ROW_METRICS = [
  "milli_cpu_usage",
  "cpu_limit_milli",
  "memory_total_mb",
  "memory_limit_mb",
  "disk_read_kbps",
  "disk_write_kbps",
  "disk_read_iops",
  "disk_write_iops",
  "pids_current",
  "pids_limit",
] as const;

export type RowMetric = typeof ROW_METRICS[number];

/** One container as `/api/status` lists it. */
export interface ContainerStatus {
  tags: Tags;
  /** Sample time of its latest point, Unix seconds. */
  time: number;
  /** When that point arrived, Unix milliseconds. */
  receivedMs: number;
  running: boolean;
  metrics: Partial<Record<RowMetric, number>>;
  history: Series;
}

interface Entry {
  tags: Tags;
  time: number;
  receivedMs: number;
  /** `running`, then {@link ROW_METRICS} in order; NaN where absent. */
  values: Float64Array;
  history: ContainerHistory;
}

export class ContainerBoard {
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;
  /** Points left out of the view because it held {@link MAX_CONTAINERS} already. */
  #leftOut = 0;
  /** When a full board last looked for silent containers: at most once per slot. */
  #sweptMs = -Infinity;

  constructor(max = MAX_CONTAINERS) {
    this.#max = max;
  }

  get size(): number {
    return this.#entries.size;
  }

  get leftOut(): number {
    return this.#leftOut;
  }

  /** Records accepted points (arrived at `nowMs`). */
  observe(points: readonly Point[], nowMs: number): void {
    for (const point of points) {
      const key = keyOf(point.tags);
      let entry = this.#entries.get(key);
      if (!entry) {
        if (this.#entries.size >= this.#max && nowMs - this.#sweptMs >= SLOT_SECONDS * 1000) {
          this.#sweptMs = nowMs;
          this.#forgetSilent(nowMs);
        }
        if (this.#entries.size >= this.#max) {
          this.#leftOut++;
          continue;
        }
        entry = {
          tags: point.tags,
          time: -Infinity,
          receivedMs: 0,
          values: new Float64Array(ROW_METRICS.length + 1),
          history: new ContainerHistory(),
        };
        this.#entries.set(key, entry);
      }
      const metrics = point.metrics;
      entry.history.record(
        point.time,
        metrics.milli_cpu_usage ?? 0,
        metrics.memory_total_mb ?? 0,
        nowMs / 1000,
      );
      if (point.time < entry.time) continue;
      entry.time = point.time;
      entry.receivedMs = nowMs;
      entry.values[0] = metrics.running ?? NaN;
      ROW_METRICS.forEach((name, index) => entry.values[index + 1] = metrics[name] ?? NaN);
    }
  }

  /** Every container seen in the last 15 minutes, as of `nowMs`. */
  list(nowMs: number): ContainerStatus[] {
    this.#forgetSilent(nowMs);
    return [...this.#entries.values()].map((entry) => {
      const metrics: Partial<Record<RowMetric, number>> = {};
      ROW_METRICS.forEach((name, index) => {
        const value = entry.values[index + 1];
        if (!Number.isNaN(value)) metrics[name] = value;
      });
      return {
        tags: entry.tags,
        time: entry.time,
        receivedMs: entry.receivedMs,
        running: entry.values[0] !== 0,
        metrics,
        history: entry.history.series(nowMs / 1000),
      };
    });
  }

  /** Drops the containers whose last point arrived over 15 minutes before `nowMs`. */
  #forgetSilent(nowMs: number): void {
    const before = nowMs - HISTORY_SECONDS * 1000;
    for (const [key, entry] of this.#entries) {
      if (entry.receivedMs < before) this.#entries.delete(key);
    }
  }
}

function keyOf(tags: Tags): string {
  return [tags.environment, tags.service, tags.container, tags.host_name, tags.app, tags.database]
    .join("\u0000");
}
