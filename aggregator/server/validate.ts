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
 * - the time and metrics, and a batch entry whole, by shared/point/ (which the
 *   collector's `--check` uses too); this module adds what is a Publish
 *   call's own: its tags arrive as request headers.
 * Every refusal names the header or field at fault.
 *
 * @module
 */
import type { PublishRequest } from "../../shared/gen/aggregator_pb.ts";
import {
  checkedTime,
  checkMetrics,
  METRIC_FIELDS,
  metricsFrom,
  type MetricValues,
  type Point,
  RejectedRequest,
} from "../../shared/point/mod.ts";
import { checkTags, type TagName, type Tags } from "../../shared/tags.ts";

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
