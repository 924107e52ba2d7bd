/**
 * Turns an untrusted Publish call (request headers + decoded message) into a
 * stored Point, or refuses it with a RejectedRequest (which the Publish RPC
 * answers as `invalid_argument`). Checks:
 * - tags: `environment`, `service`, `container`, `host_name` required
 *   (`host_name` may come under its 2021 key `host`, where host_alias.ts says
 *   that header is a tag), `app` and `database` optional, other headers
 *   ignored; each value non-empty, at most MAX_TAG_CHARACTERS code points of
 *   valid UTF-8 with no control or line-separator characters, and no
 *   backslash at the end or right before a comma, equals sign or space
 *   (InfluxDB's line protocol has no escape for a backslash there: such a
 *   value would swallow the separator after it and InfluxDB refuse the line);
 * - `unix_time` not before 2000-01-01 and at most one hour ahead of the clock;
 * - integer metrics within ±Number.MAX_SAFE_INTEGER (exact as JSON numbers),
 *   floating-point metrics finite.
 * Every refusal names the header or field at fault.
 *
 * @module
 */
import type { PublishRequest } from "../../shared/gen/aggregator_pb.ts";
import {
  METRIC_FIELDS,
  metricsOf,
  OPTIONAL_TAGS,
  type Point,
  REQUIRED_TAGS,
  type Tags,
} from "../stored_point.ts";

const MAX_TAG_CHARACTERS = 255;
/** 2000-01-01T00:00:00Z */
const EARLIEST_TIME = 946_684_800;
const MAX_FUTURE_SECONDS = 3600;

/** Why a request was refused, for the rejection counters. */
export type RejectReason = "missing_tag" | "invalid_tag" | "invalid_time" | "invalid_metric";

/** A call refused for what it carries; `reason` is its rejection counter. */
export class RejectedRequest extends Error {
  override name = "RejectedRequest";

  constructor(readonly reason: RejectReason, message: string) {
    super(message);
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const FORBIDDEN = /[\p{Cc}\u2028\u2029]/u;
/** A backslash InfluxDB's line protocol cannot carry in a tag value. */
const UNESCAPABLE_BACKSLASH = /\\(?=[,= ]|$)/;

/** The call as validation sees it. */
export interface PublishCall {
  request: PublishRequest;
  headers: Headers;
  /** The `host_name` tag sent under its 2021 key `host` (see host_alias.ts), or null. */
  hostNameAlias: string | null;
}

export function pointFrom(call: PublishCall, nowMs: number): Point {
  const { request } = call;
  const tags = tagsFrom(call.headers, call.hostNameAlias);
  checkTime(request.unixTime, nowMs);
  checkMetrics(request);
  return { time: Number(request.unixTime), tags, metrics: metricsOf(request) };
}

/** The tags of a call; `hostNameAlias` stands for a missing `host_name` header. */
export function tagsFrom(headers: Headers, hostNameAlias: string | null): Tags {
  const tags: Record<string, string> = {};
  for (const name of REQUIRED_TAGS) {
    const raw = headers.get(name) ?? (name === "host_name" ? hostNameAlias : null);
    if (raw === null) {
      throw new RejectedRequest("missing_tag", `missing required tag: header "${name}" is not set`);
    }
    tags[name] = tagValue(name, raw);
  }
  for (const name of OPTIONAL_TAGS) {
    const raw = headers.get(name);
    if (raw !== null && raw !== "") tags[name] = tagValue(name, raw);
  }
  return tags as unknown as Tags;
}

/** Header values arrive as byte strings (one character per byte): decode them as UTF-8. */
function tagValue(name: string, raw: string): string {
  const invalid = (problem: string) =>
    new RejectedRequest("invalid_tag", `invalid tag: header "${name}" ${problem}`);
  if (raw === "") throw invalid("is empty");
  if ([...raw].some((character) => character.charCodeAt(0) > 0xff)) {
    throw invalid("is not a byte string");
  }
  let value: string;
  try {
    value = utf8.decode(Uint8Array.from(raw, (character) => character.charCodeAt(0)));
  } catch {
    throw invalid("is not valid UTF-8");
  }
  const length = [...value].length;
  if (length > MAX_TAG_CHARACTERS) {
    throw invalid(`is ${length} characters long, more than ${MAX_TAG_CHARACTERS}`);
  }
  if (FORBIDDEN.test(value)) throw invalid("contains a control character");
  if (UNESCAPABLE_BACKSLASH.test(value)) {
    throw invalid(
      "has a backslash at the end or before a comma, equals sign or space, " +
        "which InfluxDB line protocol cannot carry",
    );
  }
  return value;
}

function checkTime(unixTime: bigint, nowMs: number): void {
  if (unixTime < EARLIEST_TIME) {
    throw new RejectedRequest(
      "invalid_time",
      `invalid unix_time ${unixTime}: before 2000-01-01T00:00:00Z`,
    );
  }
  const latest = Math.floor(nowMs / 1000) + MAX_FUTURE_SECONDS;
  if (unixTime > latest) {
    throw new RejectedRequest(
      "invalid_time",
      `invalid unix_time ${unixTime}: more than 1h ahead of the aggregator's clock (${
        Math.floor(nowMs / 1000)
      })`,
    );
  }
}

function checkMetrics(request: PublishRequest): void {
  for (const field of METRIC_FIELDS) {
    const value = request[field.property];
    if (typeof value === "bigint" && (value > MAX_SAFE || value < -MAX_SAFE)) {
      throw new RejectedRequest(
        "invalid_metric",
        `invalid ${field.name} ${value}: beyond ±${Number.MAX_SAFE_INTEGER}`,
      );
    }
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new RejectedRequest("invalid_metric", `invalid ${field.name} ${value}: not finite`);
    }
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
