/**
 * The point sampler: one point per poll, joining the cgroup reading, the
 * volume's disk usage and the wall-clock second of the poll into a
 * PublishRequest. Unreadable or garbled cgroup files and an unmeasurable
 * volume are logged (each distinct problem at once, then at most every ten
 * minutes with a repeat count) and the rest of the point is still sent.
 *
 * A sampler that watches its cgroup's presence (container mode) also says,
 * at the first poll and at every change, whether the container's cgroup is
 * there: when it is not, the points say `running=0` with zero metrics, and
 * the log names the directories tried so "stopped" can be told from "looked
 * in the wrong place". Controllers the host lacks (cgroup v1) are named once.
 *
 * @module
 */
import type { CgroupSampleResult } from "./cgroup/mod.ts";
import { create } from "@bufbuild/protobuf";
import { type PublishRequest, PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import { literal, log } from "../shared/log.ts";
import { diskUsage } from "./disk.ts";
import type { PollTime } from "./loop.ts";
import { RepeatedErrors } from "./repeated_errors.ts";

interface CgroupSource {
  sample(monotonicMs: number): Promise<CgroupSampleResult>;
  /** Where the cgroup was looked for, for the "not found" line. */
  describeSearch?(): Promise<string>;
  /** The host's missing controllers, named once. */
  missingControllers?(): Promise<string[]>;
}

export interface PointSamplerOptions {
  /** Log the cgroup's presence at the first poll and at each change (container mode). */
  watchPresence?: boolean;
}

const ERROR_LOG_PERIOD_MS = 10 * 60_000;
/**
 * A point's zero values, which each point copies before its own fields. A
 * point made so has the fixed shape of an object literal: protobuf-es's
 * `create` sets fields by computed name, and V8 keeps an object that gains
 * more than a dozen properties so as a hash table, three times the heap a
 * queued point takes otherwise (docs/ARCHITECTURE.md, "Permissions").
 */
const EMPTY_POINT: PublishRequest = create(PublishRequestSchema);
const logger = log("collector", "cgroup");

export class PointSampler {
  #errors = new RepeatedErrors(logger, ERROR_LOG_PERIOD_MS);
  #watchPresence: boolean;
  /** Whether the last poll found the cgroup; undefined before the first poll. */
  #present?: boolean;

  constructor(
    readonly cgroup: CgroupSource,
    readonly mountPath: string | undefined,
    options: PointSamplerOptions = {},
  ) {
    this.#watchPresence = options.watchPresence ?? false;
  }

  async sample(time: PollTime): Promise<PublishRequest> {
    const diskErrors: string[] = [];
    const [cgroup, disk] = await Promise.all([
      this.cgroup.sample(time.monotonicMs),
      diskUsage(this.mountPath, diskErrors),
    ]);
    this.#errors.report([...cgroup.errors, ...diskErrors], time.monotonicMs);
    if (this.#watchPresence) await this.#notePresence(cgroup.running);
    return {
      ...EMPTY_POINT,
      ...cgroup.metrics,
      running: cgroup.running,
      unixTime: BigInt(Math.floor(time.wallMs / 1000)),
      ...disk,
    };
  }

  async #notePresence(present: boolean): Promise<void> {
    const first = this.#present === undefined;
    if (present === this.#present) return;
    this.#present = present;
    if (first) {
      for (const note of await this.cgroup.missingControllers?.() ?? []) {
        logger.warn(literal(note));
      }
    }
    if (!present) {
      const search = await this.cgroup.describeSearch?.() ?? "";
      logger.warn(literal(
        `the container's cgroup is not found (${search}): publishing running=0 with zero ` +
          `metrics, which the aggregator records as a stopped container, until it appears; ` +
          `if the container is running, check MINI_COLLECTOR_CGROUP_PATH, ` +
          `MINI_COLLECTOR_CONTAINER_ID and MINI_COLLECTOR_CGROUP_RELATIVE_PATH`,
      ));
    } else if (!first) {
      logger.info("the container's cgroup is found again: publishing its metrics");
    }
  }
}
