/**
 * A point from the wire to what is stored: its metric fields and the checks
 * it passes (time, metric ranges, and with shared/tags.ts its tags). Both
 * programs use it: the aggregator on every call, the collector's `--check` on
 * its own samples.
 *
 * @module
 */
export {
  type BatchEntry,
  batchPointFrom,
  checkedBatchEntry,
  type CheckedEntry,
  checkedEntry,
  checkedMetric,
  checkedTime,
  checkMetrics,
  RejectedRequest,
  type RejectReason,
} from "./check.ts";
export {
  METRIC_FIELDS,
  type MetricField,
  type MetricKind,
  metricsFrom,
  type MetricValues,
  type Point,
} from "./fields.ts";
