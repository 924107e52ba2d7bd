/**
 * The collector's surface for the rest of the project: the running
 * {@link Collector} and its container-mode source, the tags a container's
 * points carry, and the point sampler alone (for benchmarks). The program
 * itself is `collector/main.ts`.
 *
 * @module
 */
export { Collector, type CollectorSummary } from "./collector.ts";
export { PointSampler } from "./point_sampler.ts";
export { containerSource, type PointSource, type SourceList } from "./source.ts";
export { tagHeaders } from "./tags.ts";
