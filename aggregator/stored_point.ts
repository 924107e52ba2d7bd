/**
 * The point the aggregator stores once it accepted a Publish call, and hands
 * from its spool to every sink: the sample time, the validated tags and every
 * metric the collector sent. (The collector's `collector/point_sampler.ts` is the
 * sampler that produces the call.) Metric names are the protobuf field names
 * (`milli_cpu_usage`, …), which become `enclave.<name>` in Datadog and field
 * names in InfluxDB; absent optional metrics are absent here too. The field
 * table and the point's shape are the ones both programs share
 * (shared/point/); the values a row takes are the aggregator's own.
 *
 * @module
 */
export {
  METRIC_FIELDS,
  type MetricField,
  type MetricKind,
  type Point,
} from "../shared/point/mod.ts";

/** Metric values by METRIC_FIELDS index, undefined where absent (how the intake hands them to a row). */
export type MetricValues = (number | undefined)[];
