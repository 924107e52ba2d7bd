/**
 * Reads one container's cgroup: {@link CgroupSampler} detects the hierarchy
 * (v1, v2 or hybrid), finds the cgroup at the first of the relative paths it
 * is given (it knows no container runtime's layout), and turns successive readings into PublishRequest fields.
 * Everything else under `collector/cgroup/` is internal to this module.
 *
 * @module
 */

export { CgroupSampler, type CgroupSampleResult, type CgroupSamplerOptions } from "./sampler.ts";
export type { CgroupMetrics } from "./metrics.ts";
export type { RawCgroup } from "./raw.ts";
export { type CgroupPattern, matchCgroups } from "./discover.ts";
export { isDirectory } from "./directory.ts";
