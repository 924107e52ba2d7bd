/**
 * The point sampler: one point per poll, joining the cgroup reading, the
 * volume's disk usage and the wall-clock second of the poll into a
 * PublishRequest. Unreadable or garbled cgroup files are logged (each distinct
 * problem at once, then at most every ten minutes) and the rest of the point
 * is still sent.
 *
 * @module
 */
import { create } from "@bufbuild/protobuf";
import type { CgroupSampleResult } from "../shared/cgroup/mod.ts";
import { type PublishRequest, PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import { log } from "../shared/log.ts";
import { diskUsage } from "./disk.ts";
import type { PollTime } from "./loop.ts";
import { RepeatedErrors } from "./repeated_errors.ts";

interface CgroupSource {
  sample(monotonicMs: number): Promise<CgroupSampleResult>;
}

const ERROR_LOG_PERIOD_MS = 10 * 60_000;

export class PointSampler {
  #errors = new RepeatedErrors(log("collector", "cgroup"), ERROR_LOG_PERIOD_MS);

  constructor(readonly cgroup: CgroupSource, readonly mountPath: string | undefined) {}

  async sample(time: PollTime): Promise<PublishRequest> {
    const [cgroup, disk] = await Promise.all([
      this.cgroup.sample(time.monotonicMs),
      diskUsage(this.mountPath),
    ]);
    this.#errors.report(cgroup.errors, time.monotonicMs);
    return create(PublishRequestSchema, {
      ...cgroup.metrics,
      running: cgroup.running,
      unixTime: BigInt(Math.floor(time.wallMs / 1000)),
      ...disk,
    });
  }
}
