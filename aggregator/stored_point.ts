/**
 * The point the aggregator stores once it accepted a Publish call, and hands
 * from its spool to every sink: the sample time, the validated tags and every
 * metric the collector sent. (The collector's `collector/point_sampler.ts` is the
 * sampler that produces the call.) Metric names are the protobuf field names
 * (`milli_cpu_usage`, …), which become `enclave.<name>` in Datadog and field
 * names in InfluxDB; absent optional metrics are absent here too.
 *
 * @module
 */
import { ScalarType } from "@bufbuild/protobuf";
import { type PublishRequest, PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import type { Tags } from "../shared/tags.ts";

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

export interface Point {
  /** Sample time, Unix seconds. */
  time: number;
  tags: Tags;
  /** Metric values by protobuf field name; `running` is 1 or 0. */
  metrics: Record<string, number>;
}

/** Metric values by METRIC_FIELDS index, undefined where absent (how the intake hands them to a row). */
export type MetricValues = (number | undefined)[];
