/**
 * The sinks' request bodies by name, so that they can be built away from the
 * main thread: a {@link PayloadSpec} names a body and the settings it depends
 * on, {@link encodePayload} builds it from points with the sinks' own
 * encoders. A {@link PayloadEncoder} is where that runs: in the calling
 * thread ({@link IN_THREAD}, for tests and one-off use) or in the encoding
 * worker (worker_encoder.ts), which the running aggregator gives its sinks.
 *
 * @module
 */
import { METRIC_FIELDS, type Point } from "../../stored_point.ts";
import { encodeV1, encodeV2 } from "../datadog/encode.ts";
import type { Payload } from "../http/payload.ts";
import { encodeLines } from "../influxdb/encode.ts";
import { encodeWriteRequest } from "../prometheus/encode.ts";
import { pointLine } from "../stdout/encode.ts";

/** Which body to build, with what it depends on besides the points. */
export type PayloadSpec =
  | { format: "datadog-v1" | "datadog-v2"; sendHost: boolean }
  | { format: "influxdb" }
  | { format: "prometheus"; labels: Readonly<Record<string, string>> }
  | { format: "stdout" };

/** Builds request bodies. */
export interface PayloadEncoder {
  encode(spec: PayloadSpec, points: readonly Point[]): Promise<Payload>;
}

const encoder = new TextEncoder();

/** The body `spec` names, for `points`. */
export function encodePayload(spec: PayloadSpec, points: readonly Point[]): Payload {
  switch (spec.format) {
    case "datadog-v1":
      return encodeV1(points, spec.sendHost);
    case "datadog-v2":
      return encodeV2(points, spec.sendHost);
    case "influxdb":
      return encodeLines(points);
    case "prometheus":
      return encodeWriteRequest(points, spec.labels);
    case "stdout": {
      const body = encoder.encode(points.map((point) => pointLine(point) + "\n").join(""));
      return { body, rawBytes: body.byteLength, values: points.length };
    }
    default:
      throw new Error(`no payload format ${(spec as { format: unknown }).format}`);
  }
}

/** The most values (as RequestLimits counts them) one point can bring into a `spec` body. */
export function maxValuesPerPoint(spec: PayloadSpec): number {
  return spec.format === "datadog-v1" || spec.format === "datadog-v2" ||
      spec.format === "prometheus"
    ? METRIC_FIELDS.length
    : 1;
}

/** Encodes in the calling thread. */
export const IN_THREAD: PayloadEncoder = {
  encode: (spec, points) => Promise.resolve(encodePayload(spec, points)),
};
