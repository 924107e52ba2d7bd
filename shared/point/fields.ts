/**
 * A point's metrics as both programs see them: every field of
 * `PublishRequest` but the timestamp, in field-number order, with the kind a
 * destination writes it as, and the checked point ({@link Point}) the
 * aggregator stores. Metric names are the protobuf field names
 * (`milli_cpu_usage`, …); absent optional metrics stay absent.
 *
 * @module
 */
import { ScalarType } from "@bufbuild/protobuf";
import { type PublishRequest, PublishRequestSchema } from "../gen/aggregator_pb.ts";
import type { Tags } from "../tags.ts";

/** How a metric is written where the destination distinguishes kinds (InfluxDB fields). */
export type MetricKind = "boolean" | "integer" | "float";

export interface MetricField {
  /** protobuf field name, e.g. `milli_cpu_usage` */
  name: string;
  /** generated property name, e.g. `milliCpuUsage` */
  property: keyof PublishRequest;
  kind: MetricKind;
}

/** Every metric of PublishRequest, in field-number order: all fields but the timestamp. */
export const METRIC_FIELDS: readonly MetricField[] = PublishRequestSchema.fields
  .filter((field) => field.name !== "unix_time")
  .map((field) => ({
    name: field.name,
    property: field.localName as keyof PublishRequest,
    kind: field.fieldKind === "scalar" && field.scalar === ScalarType.BOOL
      ? "boolean"
      : field.fieldKind === "scalar" && field.scalar === ScalarType.DOUBLE
      ? "float"
      : "integer",
  }));

/** A checked point: what the aggregator stores and hands to every sink. */
export interface Point {
  /** Sample time, Unix seconds. */
  time: number;
  tags: Tags;
  /** Metric values by protobuf field name; `running` is 1 or 0. */
  metrics: Record<string, number>;
}

/** Metric values by METRIC_FIELDS index, undefined where absent (how the intake hands them to a row). */
export type MetricValues = (number | undefined)[];

/** The metrics of `values` by protobuf field name, absent ones left out. */
export function metricsFrom(values: MetricValues): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (let i = 0; i < METRIC_FIELDS.length; i++) {
    const value = values[i];
    if (value !== undefined) metrics[METRIC_FIELDS[i].name] = value;
  }
  return metrics;
}
