/**
 * Points as the aggregator holds them after validation, for sink tests and
 * measurements: `containerPoints` gives the samples of several containers
 * over time with every metric of METRIC_FIELDS set to a plausible value.
 */
import { METRIC_FIELDS, type Point } from "../../aggregator/stored_point.ts";
import type { Tags } from "../../shared/tags.ts";

export function containerTags(index: number): Tags {
  return {
    environment: "production",
    service: `web-${index % 7}`,
    container: `c${index.toString(16).padStart(6, "0")}`,
    host_name: `${(0xabc000 + index).toString(16)}def012`,
    app: "shop",
  };
}

/** `count` points: containers 0..containers-1 in turn, a sample every 30 s from `start`. */
export function containerPoints(count: number, start: number, containers = 50): Point[] {
  return Array.from({ length: count }, (_, index) => {
    const container = index % containers;
    const sample = Math.floor(index / containers);
    const metrics: Record<string, number> = {};
    for (const [fieldIndex, field] of METRIC_FIELDS.entries()) {
      metrics[field.name] = field.kind === "boolean"
        ? 1
        : field.kind === "float"
        ? Math.round(((index * 7 + fieldIndex * 13) % 10_000) / 3) / 100
        : (index * 7919 + fieldIndex * 104_729) % 5_000_000;
    }
    return { time: start + sample * 30, tags: containerTags(container), metrics };
  });
}
