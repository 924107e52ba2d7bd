/**
 * Datadog series payloads for a batch of points: every written metric (values
 * ≥ 0, see `../written_metrics.ts`) becomes the gauge `enclave.<field>`, tags
 * become `key:value`, and the `host_name` tag is the Datadog host unless
 * turned off. Points of one series (same metric, tags and host) share one
 * series entry. v2 (`/api/v2/series`, gzip) and v1 (`/api/v1/series`, zlib
 * deflate) differ only in shape.
 *
 * @module
 */
import { TAG_NAMES } from "../../../shared/tags.ts";
import type { Point } from "../../stored_point.ts";
import { compressedPayload, type Payload } from "../http/payload.ts";
import { writtenMetrics } from "../written_metrics.ts";

const METRIC_PREFIX = "enclave.";

/** MetricIntakeType gauge in the v2 API. */
const GAUGE_V2 = 3;

interface Series {
  metric: string;
  tags: string[];
  host?: string;
  points: [number, number][];
}

/** One series of a v2 payload. */
export interface SeriesV2 {
  metric: string;
  type: number;
  points: { timestamp: number; value: number }[];
  tags: string[];
  resources?: { type: string; name: string }[];
}

/** One series of a v1 payload. */
export interface SeriesV1 {
  metric: string;
  points: [number, number][];
  type: "gauge";
  host?: string;
  tags: string[];
}

/** The batch's series, in order of first appearance, each with its points in batch order. */
function groupSeries(points: readonly Point[], sendHost: boolean): Series[] {
  const series = new Map<string, Series>();
  for (const point of points) {
    const tags = tagList(point);
    const host = sendHost ? point.tags.host_name : undefined;
    const key = `${host}\n${tags.join("\n")}`;
    for (const [field, value] of writtenMetrics(point)) {
      const metric = METRIC_PREFIX + field;
      const id = `${metric}\n${key}`;
      let entry = series.get(id);
      if (!entry) {
        entry = { metric, tags, host, points: [] };
        series.set(id, entry);
      }
      entry.points.push([point.time, value]);
    }
  }
  return [...series.values()];
}

/** The v2 payload, before serialisation. */
export function seriesV2(points: readonly Point[], sendHost: boolean): { series: SeriesV2[] } {
  return {
    series: groupSeries(points, sendHost).map((entry) => ({
      metric: entry.metric,
      type: GAUGE_V2,
      points: entry.points.map(([timestamp, value]) => ({ timestamp, value })),
      tags: entry.tags,
      ...(entry.host === undefined ? {} : { resources: [{ type: "host", name: entry.host }] }),
    })),
  };
}

/** The v1 payload, before serialisation. */
export function seriesV1(points: readonly Point[], sendHost: boolean): { series: SeriesV1[] } {
  return {
    series: groupSeries(points, sendHost).map((entry) => ({
      metric: entry.metric,
      points: entry.points,
      type: "gauge",
      ...(entry.host === undefined ? {} : { host: entry.host }),
      tags: entry.tags,
    })),
  };
}

/** The gzipped v2 request body. */
export function encodeV2(points: readonly Point[], sendHost: boolean): Payload {
  const payload = seriesV2(points, sendHost);
  return compressedPayload(JSON.stringify(payload), "gzip", valueCount(payload.series));
}

/** The zlib-deflated v1 request body. */
export function encodeV1(points: readonly Point[], sendHost: boolean): Payload {
  const payload = seriesV1(points, sendHost);
  return compressedPayload(JSON.stringify(payload), "deflate", valueCount(payload.series));
}

/** Datadog points in the payload: one per written metric per sample. */
function valueCount(series: readonly { points: readonly unknown[] }[]): number {
  return series.reduce((sum, entry) => sum + entry.points.length, 0);
}

function tagList(point: Point): string[] {
  const tags: string[] = [];
  for (const key of TAG_NAMES) {
    const value = point.tags[key];
    if (value) tags.push(`${key}:${value}`);
  }
  return tags;
}
