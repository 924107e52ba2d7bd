/**
 * InfluxDB line protocol for a batch of points: measurement `metrics`, the
 * point's non-empty tags sorted by key, one field per metric (`running` as a
 * boolean, integers with the `i` suffix, pressure averages as floats) and the
 * time in seconds (`precision=s`). Commas, spaces and equals signs in tag keys
 * and values are escaped with a backslash.
 */
import { METRIC_FIELDS, type MetricKind, type Point } from "../../stored_point.ts";
import { compressedPayload, type Payload } from "../http/payload.ts";

export const MEASUREMENT = "metrics";

const KIND = new Map<string, MetricKind>(METRIC_FIELDS.map((field) => [field.name, field.kind]));

/** One line per point, each ending in a newline. */
export function lineProtocol(points: readonly Point[]): string {
  let text = "";
  for (const point of points) {
    text += `${MEASUREMENT}${tagSet(point)} ${fieldSet(point)} ${point.time}\n`;
  }
  return text;
}

/** The gzipped request body. */
export function encodeLines(points: readonly Point[]): Payload {
  return compressedPayload(lineProtocol(points), "gzip", points.length);
}

/** Backslash before commas, spaces and equals signs: the tag key and value escapes. */
export function escapeTag(text: string): string {
  return text.replace(/[,= ]/g, "\\$&");
}

function tagSet(point: Point): string {
  let text = "";
  const tags = Object.entries(point.tags).filter(([, value]) => value).sort(([a], [b]) =>
    a < b ? -1 : 1
  );
  for (const [key, value] of tags) text += `,${escapeTag(key)}=${escapeTag(value)}`;
  return text;
}

function fieldSet(point: Point): string {
  const fields: string[] = [];
  for (const [name, value] of Object.entries(point.metrics)) {
    fields.push(`${escapeTag(name)}=${fieldValue(KIND.get(name) ?? "float", value)}`);
  }
  return fields.join(",");
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
