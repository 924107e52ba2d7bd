/**
 * The checks a point passes before the aggregator stores it, beyond its tags
 * (shared/tags.ts): `unix_time` not before 2000-01-01, at most a day behind
 * and one hour ahead of the clock; integer metrics within
 * ±Number.MAX_SAFE_INTEGER (exact as JSON numbers), floating-point metrics
 * finite, pressure shares (`*_pressure_*_avg10`) between 0 and 100. The
 * aggregator applies them to every call; the collector's `--check` applies
 * them to its own samples, to show what the aggregator would store. Every
 * refusal is a {@link RejectedRequest} naming the field at fault.
 *
 * @module
 */
import type { PublishRequest } from "../gen/aggregator_pb.ts";
import { checkTags, type TagName, type Tags } from "../tags.ts";
import { METRIC_FIELDS, metricsFrom, type MetricValues, type Point } from "./fields.ts";

/** 2000-01-01T00:00:00Z */
const EARLIEST_TIME = 946_684_800;
const MAX_FUTURE_SECONDS = 3600;
/**
 * The oldest point taken: a day. Older ones could only be expired by Datadog
 * (which takes an hour) and would turn into counted losses later; no collector
 * queue holds a day of points.
 */
const MAX_AGE_SECONDS = 86_400;
/** Pressure stall figures are shares of time, in percent. */
const PRESSURE = /_pressure_/;
/** Which metrics are pressure shares, by METRIC_FIELDS index (tested once, not per point). */
const IS_PRESSURE = METRIC_FIELDS.map((field) => PRESSURE.test(field.name));
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Why a request was refused, for the rejection counters. */
export type RejectReason =
  | "missing_tag"
  | "invalid_tag"
  | "invalid_time"
  | "invalid_metric"
  | "tag_set_limit";

/** A call refused for what it carries; `reason` is its rejection counter. */
export class RejectedRequest extends Error {
  override name = "RejectedRequest";

  constructor(readonly reason: RejectReason, message: string) {
    super(message);
  }
}

/** A checked entry of a PublishBatch, its metric values left aside (see {@link checkedEntry}). */
export interface CheckedEntry {
  time: number;
  tags: Tags;
}

/**
 * One entry of a PublishBatch as the checks read it, whichever decoder
 * produced it: protobuf-es's `TaggedPoint` ({@link checkedBatchEntry}) or the
 * aggregator's own reading of the entry's bytes.
 */
export interface BatchEntry {
  /** The value of `name` in the entry's tag map, undefined when absent. */
  tag(name: TagName | "host"): string | undefined;
  /** The point's `unix_time`; undefined when the entry has no point. */
  readonly unixTime: bigint | number | undefined;
  /**
   * Metric `index` of METRIC_FIELDS as decoded: a 64-bit integer as a bigint
   * or as a Number when exact, a bool, a double; undefined when absent.
   */
  metric(index: number): bigint | number | boolean | undefined;
}

/**
 * Checks one entry of a PublishBatch: its tag map (`host` standing for
 * `host_name`) and point. Its metric values are written into `values` (by
 * METRIC_FIELDS index, undefined where absent), so that a caller can encode
 * them without a Point in between. `tagProblem` finds what is wrong with a
 * tag value (see checkTags).
 */
export function checkedEntry(
  entry: BatchEntry,
  nowMs: number,
  values: MetricValues,
  tagProblem?: (value: string) => string | undefined,
): CheckedEntry {
  const unixTime = entry.unixTime;
  if (unixTime === undefined) {
    throw new RejectedRequest("invalid_metric", "missing point: the entry has no point");
  }
  const checked = checkTags(
    (name) => entry.tag(name) ?? (name === "host_name" ? entry.tag("host") : undefined),
    batchTagLabel,
    tagProblem,
  );
  if ("problem" in checked) throw new RejectedRequest(checked.reason, checked.problem);
  const time = checkedTime(unixTime, nowMs);
  for (let i = 0; i < METRIC_FIELDS.length; i++) values[i] = checkedMetric(i, entry.metric(i));
  return { time, tags: checked.tags };
}

/** {@link checkedEntry} of an entry decoded by protobuf-es. */
export function checkedBatchEntry(
  tags: Record<string, string>,
  request: PublishRequest | undefined,
  nowMs: number,
  values: MetricValues,
): CheckedEntry {
  return checkedEntry(
    {
      tag: (name) => tags[name],
      unixTime: request?.unixTime,
      metric: (index) => request && metricOf(request, index),
    },
    nowMs,
    values,
  );
}

/** One entry of a PublishBatch as a Point (see {@link checkedBatchEntry}). */
export function batchPointFrom(
  tags: Record<string, string>,
  request: PublishRequest | undefined,
  nowMs: number,
): Point {
  const values: MetricValues = new Array(METRIC_FIELDS.length);
  const entry = checkedBatchEntry(tags, request, nowMs, values);
  return { time: entry.time, tags: entry.tags, metrics: metricsFrom(values) };
}

function batchTagLabel(name: TagName): string {
  return `tag "${name}"`;
}

/** The sample time in Unix seconds, once checked. */
export function checkedTime(unixTime: bigint | number, nowMs: number): number {
  if (unixTime < EARLIEST_TIME) {
    throw new RejectedRequest(
      "invalid_time",
      `invalid unix_time ${unixTime}: before 2000-01-01T00:00:00Z`,
    );
  }
  const now = Math.floor(nowMs / 1000);
  if (unixTime < now - MAX_AGE_SECONDS) {
    throw new RejectedRequest(
      "invalid_time",
      `invalid unix_time ${unixTime}: more than 24h before the aggregator's clock (${now})`,
    );
  }
  const latest = now + MAX_FUTURE_SECONDS;
  if (unixTime > latest) {
    throw new RejectedRequest(
      "invalid_time",
      `invalid unix_time ${unixTime}: more than 1h ahead of the aggregator's clock (${
        Math.floor(nowMs / 1000)
      })`,
    );
  }
  return Number(unixTime);
}

/** Checks the metrics of a request and writes them into `values` as plain numbers. */
export function checkMetrics(request: PublishRequest, values: MetricValues): void {
  for (let i = 0; i < METRIC_FIELDS.length; i++) {
    values[i] = checkedMetric(i, metricOf(request, i));
  }
}

/** Metric `index` of METRIC_FIELDS in a request decoded by protobuf-es. */
function metricOf(request: PublishRequest, index: number): bigint | number | boolean | undefined {
  return request[METRIC_FIELDS[index].property] as bigint | number | boolean | undefined;
}

/**
 * Metric `index` of METRIC_FIELDS as a plain number once checked (a bool as 1
 * or 0), undefined when absent. An integer beyond ±Number.MAX_SAFE_INTEGER
 * arrives as a bigint and is refused with its exact value.
 */
export function checkedMetric(
  index: number,
  value: bigint | number | boolean | undefined,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "bigint") {
    if (value > MAX_SAFE || value < -MAX_SAFE) {
      throw new RejectedRequest(
        "invalid_metric",
        `invalid ${METRIC_FIELDS[index].name} ${value}: beyond ±${Number.MAX_SAFE_INTEGER}`,
      );
    }
    return Number(value);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new RejectedRequest(
        "invalid_metric",
        `invalid ${METRIC_FIELDS[index].name} ${value}: not finite`,
      );
    }
    if (IS_PRESSURE[index] && (value < 0 || value > 100)) {
      throw new RejectedRequest(
        "invalid_metric",
        `invalid ${METRIC_FIELDS[index].name} ${value}: a pressure share is between 0 and 100`,
      );
    }
    return value;
  }
  return Number(value);
}
