/**
 * Turns an untrusted point — a Publish call (request headers + decoded
 * message) or one entry of a PublishBatch (its tag map + message) — into a
 * stored Point, or refuses it with a RejectedRequest (which the RPCs answer as
 * `invalid_argument`, or list in a batch's `rejected`). Checks:
 * - tags, by the rules of shared/tags.ts: `environment`, `service`,
 *   `container`, `host_name` required (`host_name` may come under its 2021 key
 *   `host`: in a batch's tag map always, as a header where host_alias.ts says
 *   it is a tag), `app` and `database` optional, others ignored; header values
 *   arrive as bytes and must be valid UTF-8;
 * - `unix_time` not before 2000-01-01, at most a day behind and one hour ahead
 *   of the clock;
 * - integer metrics within ±Number.MAX_SAFE_INTEGER (exact as JSON numbers),
 *   floating-point metrics finite, pressure shares (`*_pressure_*_avg10`)
 *   between 0 and 100.
 * Every refusal names the header or field at fault.
 *
 * @module
 */
import type { PublishRequest } from "../../shared/gen/aggregator_pb.ts";
import { checkTags, type TagName, type Tags } from "../../shared/tags.ts";
import { METRIC_FIELDS, type MetricValues, type Point } from "../stored_point.ts";

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

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The call as validation sees it. */
export interface PublishCall {
  request: PublishRequest;
  headers: Headers;
  /** The `host_name` tag sent under its 2021 key `host` (see host_alias.ts), or null. */
  hostNameAlias: string | null;
}

export function pointFrom(call: PublishCall, nowMs: number): Point {
  const tags = tagsFrom(call.headers, call.hostNameAlias);
  const values: MetricValues = new Array(METRIC_FIELDS.length);
  const time = checkedTime(call.request.unixTime, nowMs);
  checkMetrics(call.request, values);
  return { time, tags, metrics: metricsFrom(values) };
}

/** A checked entry of a PublishBatch, its metric values left aside (see {@link checkedBatchEntry}). */
export interface CheckedEntry {
  time: number;
  tags: Tags;
}

/**
 * Checks one entry of a PublishBatch: its tag map (`host` standing for
 * `host_name`) and point. Its metric values are written into `values` (by
 * METRIC_FIELDS index, undefined where absent), so that a caller can encode
 * them without a Point in between.
 */
export function checkedBatchEntry(
  tags: Record<string, string>,
  request: PublishRequest | undefined,
  nowMs: number,
  values: MetricValues,
): CheckedEntry {
  if (!request) {
    throw new RejectedRequest("invalid_metric", "missing point: the entry has no point");
  }
  const checked = checkTags(
    (name) => tags[name] ?? (name === "host_name" ? tags.host : undefined),
    batchTagLabel,
  );
  if ("problem" in checked) throw new RejectedRequest(checked.reason, checked.problem);
  const time = checkedTime(request.unixTime, nowMs);
  checkMetrics(request, values);
  return { time, tags: checked.tags };
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

/** The metrics of `values` by protobuf field name, absent ones left out. */
function metricsFrom(values: MetricValues): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (let i = 0; i < METRIC_FIELDS.length; i++) {
    const value = values[i];
    if (value !== undefined) metrics[METRIC_FIELDS[i].name] = value;
  }
  return metrics;
}

/** The tags of a call; `hostNameAlias` stands for a missing `host_name` header. */
export function tagsFrom(headers: Headers, hostNameAlias: string | null): Tags {
  const checked = checkTags(
    (name) => headerValue(name, headers.get(name) ?? (name === "host_name" ? hostNameAlias : null)),
    (name) => `header "${name}"`,
  );
  if ("problem" in checked) throw new RejectedRequest(checked.reason, checked.problem);
  return checked.tags;
}

/** Header values arrive as byte strings (one character per byte): decode them as UTF-8. */
function headerValue(name: TagName, raw: string | null): string | null {
  if (raw === null) return null;
  const invalid = (problem: string) =>
    new RejectedRequest("invalid_tag", `invalid tag: header "${name}" ${problem}`);
  if ([...raw].some((character) => character.charCodeAt(0) > 0xff)) {
    throw invalid("is not a byte string");
  }
  try {
    return utf8.decode(Uint8Array.from(raw, (character) => character.charCodeAt(0)));
  } catch {
    throw invalid("is not valid UTF-8");
  }
}

/** The sample time in Unix seconds, once checked. */
function checkedTime(unixTime: bigint, nowMs: number): number {
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
function checkMetrics(request: PublishRequest, values: MetricValues): void {
  for (let i = 0; i < METRIC_FIELDS.length; i++) {
    const field = METRIC_FIELDS[i];
    const value = request[field.property];
    if (value === undefined) {
      values[i] = undefined;
      continue;
    }
    if (typeof value === "bigint") {
      if (value > MAX_SAFE || value < -MAX_SAFE) {
        throw new RejectedRequest(
          "invalid_metric",
          `invalid ${field.name} ${value}: beyond ±${Number.MAX_SAFE_INTEGER}`,
        );
      }
      values[i] = Number(value);
    } else if (typeof value === "number") {
      if (!Number.isFinite(value)) {
        throw new RejectedRequest("invalid_metric", `invalid ${field.name} ${value}: not finite`);
      }
      if (IS_PRESSURE[i] && (value < 0 || value > 100)) {
        throw new RejectedRequest(
          "invalid_metric",
          `invalid ${field.name} ${value}: a pressure share is between 0 and 100`,
        );
      }
      values[i] = value;
    } else {
      values[i] = Number(value);
    }
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
