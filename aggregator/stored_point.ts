/**
 * The point the aggregator stores once it accepted a Publish call, and hands
 * from its spool to every sink: the sample time, the validated tags and every
 * metric the collector sent. (The collector's `collector/point_sampler.ts` is the
 * sampler that produces the call.) Metric names are the protobuf field names
 * (`milli_cpu_usage`, …), which become `enclave.<name>` in Datadog and field
 * names in InfluxDB; absent optional metrics are absent here too. The field
 * table, the point's shape and the values a row takes are the ones both
 * programs share (shared/point/): this module names them for the spool and
 * the sinks.
 *
 * @module
 */
export {
  METRIC_FIELDS,
  type MetricField,
  type MetricKind,
  type MetricValues,
  type Point,
} from "../shared/point/mod.ts";
