/**
 * Which of a point's metrics a metrics destination (Datadog, InfluxDB, and any
 * later one) receives: every value ≥ 0. A negative value means "unknown" —
 * the collector sends −1 for the disk fields when no volume is mounted — and
 * is left out, so the series has no sample rather than a false one; the Go
 * original's writers skip negative values the same way. The stdout sink is a
 * record of what arrived and keeps every value.
 *
 * @module
 */
import type { Point } from "../stored_point.ts";

/** The point's metrics to write, as `[name, value]` in the point's order. */
export function writtenMetrics(point: Point): [string, number][] {
  return Object.entries(point.metrics).filter(([, value]) => value >= 0);
}
