/**
 * InfluxDB line protocol for a batch of points: measurement `metrics`, the
 * point's non-empty tags sorted by key, one field per written metric (values
 * ≥ 0, see `../written_metrics.ts`; `running` as a boolean, integers with the
 * `i` suffix, pressure averages as floats) and the time in seconds
 * (`precision=s`).
 *
 * Escaping follows the InfluxDB 1.x line protocol reference: a backslash
 * before each comma, equals sign and space in tag keys, tag values and field
 * keys, before each comma and space in the measurement. The protocol has no
 * escape for the backslash itself, so a tag value that ends in one, or has one
 * right before a comma, equals sign or space, cannot be written; validation
 * refuses such values when a point arrives (`aggregator/server/validate.ts`).
 *
 * @module
 */
import { METRIC_FIELDS, type MetricKind, type Point } from "../../stored_point.ts";
import { compressedPayload, type Payload } from "../http/payload.ts";
import { writtenMetrics } from "../written_metrics.ts";

/** Backslash before commas, equals signs and spaces: tag keys, tag values, field keys. */
export function escapeKey(text: string): string {
  return text.replace(/[,= ]/g, "\\$&");
}

/** Backslash before commas and spaces: the measurement. */
export function escapeMeasurement(text: string): string {
  return text.replace(/[, ]/g, "\\$&");
}

const MEASUREMENT = escapeMeasurement("metrics");

const KIND = new Map<string, MetricKind>(METRIC_FIELDS.map((field) => [field.name, field.kind]));

/**
 * One line per point, each ending in a newline; a point with no written
 * metric has no field to carry and no line.
 */
export function lineProtocol(points: readonly Point[]): string {
  let text = "";
  for (const point of points) {
    const fields = fieldSet(point);
    if (fields) text += `${MEASUREMENT}${tagSet(point)} ${fields} ${point.time}\n`;
  }
  return text;
}

/** The gzipped request body. */
export function encodeLines(points: readonly Point[]): Payload {
  return compressedPayload(lineProtocol(points), "gzip", points.length);
}

function tagSet(point: Point): string {
  let text = "";
  const tags = Object.entries(point.tags).filter(([, value]) => value).sort(([a], [b]) =>
    a < b ? -1 : 1
  );
  for (const [key, value] of tags) text += `,${escapeKey(key)}=${escapeKey(value)}`;
  return text;
}

function fieldSet(point: Point): string {
  return writtenMetrics(point)
    .map(([name, value]) => `${escapeKey(name)}=${fieldValue(KIND.get(name) ?? "float", value)}`)
    .join(",");
}

function fieldValue(kind: MetricKind, value: number): string {
  switch (kind) {
    case "boolean":
      return value ? "true" : "false";
    case "integer":
      return `${Math.trunc(value)}i`;
    case "float":
      return String(value);
  }
}
