/**
 * The stdout sink's line for a point: one JSON object,
 * `{"time":"<RFC 3339>","unix_time":<seconds>,"tags":{…},"metrics":{…}}`,
 * with every metric as it arrived (unknown values included: stdout is the
 * record of what the aggregator received).
 *
 * @module
 */
import type { Point } from "../../stored_point.ts";

/** The point as one JSON line, without the newline. */
export function pointLine(point: Point): string {
  return JSON.stringify({
    time: new Date(point.time * 1000).toISOString().replace(".000Z", "Z"),
    unix_time: point.time,
    tags: point.tags,
    metrics: point.metrics,
  });
}
