/**
 * Reads one container's cgroup: {@link CgroupSampler} detects the hierarchy
 * (v1, v2 or hybrid), finds the container's cgroup under Docker's cgroupfs or
 * systemd layout, and turns successive readings into PublishRequest fields.
 * Everything else under `shared/cgroup/` is internal to this module.
 *
 * @module
 */

export { CgroupSampler, type CgroupSampleResult, type CgroupSamplerOptions } from "./sampler.ts";
export type { CgroupMetrics } from "./metrics.ts";
export type { RawCgroup } from "./raw.ts";
