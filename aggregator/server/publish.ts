/**
 * The Publish and PublishBatch RPCs, shared by every listener: validate, store
 * in the spool and answer only once the spool committed. A batch's valid
 * entries go in one commit; its invalid ones are listed in the answer's
 * `rejected` (index and reason) and not stored; a batch that cannot be stored
 * as a whole is an error with nothing stored. Calls are counted by method and
 * refused points by reason; while shutting down, calls get `unavailable` so
 * collectors keep their points for the next aggregator. A protobuf-encoded
 * PublishBatch is read entry by entry from its bytes (publish_batch_entries.ts,
 * batch_entry_reader.ts), a JSON one through protobuf-es; both are checked
 * alike, and every entry is read and checked before any is admitted, counted
 * or stored, so a malformed entry refuses the call with nothing done.
 *
 * @module
 */
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { Aggregator } from "../../shared/gen/aggregator_pb.ts";
import type { Stats } from "../stats.ts";
import {
  RowBody,
  RowPoint,
  RowWriter,
  type Spool,
  SpoolFull,
  SpoolUnavailable,
} from "../spool/mod.ts";
import { hostNameAlias, HTTP_VERSION } from "./host_alias.ts";
import { METRIC_FIELDS, type MetricValues, type Point } from "../stored_point.ts";
import { rememberingTagValueProblem, type Tags } from "../../shared/tags.ts";
import type { TagSetLimit } from "./tag_set_limit.ts";
import {
  checkedBatchEntry,
  type CheckedEntry,
  checkedEntry,
  RejectedRequest,
  type RejectReason,
} from "../../shared/point/mod.ts";
import { BatchEntryReader, MalformedEntry } from "./batch_entry_reader.ts";
import { PUBLISH_BATCH_ENTRIES } from "./publish_batch_entries.ts";
import { pointFrom } from "./validate.ts";

export interface Intake {
  spool: Spool;
  stats: Stats;
  /** The cap on distinct tag sets per hour. */
  tagSets: TagSetLimit;
  accepting: () => boolean;
  /** Told the points of each call once they are spooled and counted (the status page's view). */
  observe?: (points: readonly Point[]) => void;
  now?: () => number;
}

export function publishRoutes(intake: Intake): (router: ConnectRouter) => void {
  const now = intake.now ?? Date.now;
  return (router) => {
    router.service(Aggregator, {
      async publish(request, context) {
        intake.stats.call("publish");
        refuseWhenStopping(intake, 1);
        let point: Point;
        try {
          const call = {
            request,
            headers: context.requestHeader,
            hostNameAlias: hostNameAlias(context.requestHeader, context.values.get(HTTP_VERSION)),
          };
          const nowMs = now();
          point = pointFrom(call, nowMs);
          admit(intake, point.tags, nowMs);
          await intake.spool.append([point]);
        } catch (error) {
          const { reason, answer } = refusal(error);
          intake.stats.reject(reason);
          throw answer;
        }
        intake.stats.accept(1);
        intake.observe?.([point]);
        return {};
      },
      publishBatch(request) {
        const nowMs = now();
        const points = request.points;
        const batch = checkedBatch(points.length, (index, values) => {
          const { tags, point } = points[index];
          return checkedBatchEntry(tags, point, nowMs, values);
        });
        return storeBatch(intake, batch, nowMs);
      },
    });
    // Protobuf-encoded calls of PublishBatch: the entries read from their bytes (route_table.ts).
    router.rpc(PUBLISH_BATCH_ENTRIES, (request) => {
      const nowMs = now();
      const points = request.points;
      const reader = new BatchEntryReader();
      const tagProblem = rememberingTagValueProblem();
      const batch = checkedBatch(points.length, (index, values) => {
        try {
          reader.read(points[index]);
        } catch (error) {
          if (!(error instanceof MalformedEntry)) throw error;
          // What connect answers for a request it cannot parse.
          throw new ConnectError(`parse binary: entry ${index}: ${error.message}`, Code.Internal);
        }
        return checkedEntry(reader, nowMs, values, tagProblem);
      });
      return storeBatch(intake, batch, nowMs);
    });
  };
}

/**
 * The entries of a PublishBatch once decoded and checked, before any is
 * admitted or stored: a call whose message turns out malformed is refused
 * before anything is counted. It holds no more than the call's message did:
 * an entry refused by the checks keeps only its index and reason.
 */
interface CheckedBatch {
  /** How many entries the call holds. */
  count: number;
  /** The entries that passed, in order, and their indexes in the call. */
  passed: CheckedEntry[];
  passedIndexes: number[];
  /** Their metric values, METRIC_FIELDS.length per entry, NaN where absent. */
  values: number[];
  /** The entries refused, in order. */
  refused: { index: number; reason: RejectReason; message: string }[];
}

/** Checks `count` entries with `check`, which fills in an entry's metric values or throws. */
function checkedBatch(
  count: number,
  check: (index: number, values: MetricValues) => CheckedEntry,
): CheckedBatch {
  const batch: CheckedBatch = { count, passed: [], passedIndexes: [], values: [], refused: [] };
  const values: MetricValues = new Array(METRIC_FIELDS.length);
  for (let index = 0; index < count; index++) {
    let entry: CheckedEntry;
    try {
      entry = check(index, values);
    } catch (error) {
      if (!(error instanceof RejectedRequest)) throw error;
      batch.refused.push({ index, reason: error.reason, message: error.message });
      continue;
    }
    batch.passed.push(entry);
    batch.passedIndexes.push(index);
    for (let i = 0; i < values.length; i++) batch.values.push(values[i] ?? NaN);
  }
  return batch;
}

/**
 * Admits and stores the checked entries of a batch in one commit: each valid
 * one goes straight into the call's row body, with no Point in between.
 */
async function storeBatch(
  intake: Intake,
  batch: CheckedBatch,
  nowMs: number,
): Promise<{ rejected: { index: number; reason: string }[] }> {
  intake.stats.call("publish_batch");
  refuseWhenStopping(intake, batch.count);
  const width = METRIC_FIELDS.length;
  const row = new RowWriter(batch.passed.length);
  const values: MetricValues = new Array(width);
  const rejected: { index: number; reason: string }[] = [];
  const refuse = (index: number, reason: RejectReason, message: string) => {
    intake.stats.reject(reason);
    rejected.push({ index, reason: message });
  };
  // The entries the checks refused are listed in their places, so that `rejected` keeps the call's order.
  let next = 0;
  const refuseCheckedBefore = (end: number) => {
    for (; next < batch.refused.length && batch.refused[next].index < end; next++) {
      const { index, reason, message } = batch.refused[next];
      refuse(index, reason, message);
    }
  };
  for (let passed = 0; passed < batch.passed.length; passed++) {
    const index = batch.passedIndexes[passed];
    refuseCheckedBefore(index);
    const entry = batch.passed[passed];
    try {
      admit(intake, entry.tags, nowMs);
    } catch (error) {
      if (!(error instanceof RejectedRequest)) throw error;
      refuse(index, error.reason, error.message);
      continue;
    }
    for (let i = 0; i < width; i++) {
      const value = batch.values[passed * width + i];
      values[i] = Number.isNaN(value) ? undefined : value;
    }
    row.add(entry.time, entry.tags, values);
  }
  refuseCheckedBefore(batch.count);
  const count = row.count;
  if (count === 0) return { rejected };
  const body = row.finish();
  try {
    await intake.spool.appendRow({ count, body });
  } catch (error) {
    const { reason, answer } = refusal(error);
    intake.stats.reject(reason, count);
    throw answer;
  }
  intake.stats.accept(count);
  if (intake.observe) intake.observe(storedPoints(body, count));
  return { rejected };
}

/** Refuses `tags` when its tag set is beyond the cap. */
function admit(intake: Intake, tags: Tags, nowMs: number): void {
  if (intake.tagSets.admit(tags, nowMs)) return;
  throw new RejectedRequest(
    "tag_set_limit",
    `too many distinct tag sets: ${intake.tagSets.max} new ones already taken this hour ` +
      `(AGGREGATOR_MAX_TAG_SETS); container ${tags.container} refused`,
  );
}

/** The points of a stored row body, decoded only when looked at. */
function storedPoints(body: Uint8Array, count: number): Point[] {
  const row = new RowBody(body);
  return Array.from({ length: count }, (_, index) => new RowPoint(row, index));
}

/** While shutting down, a call is refused as `unavailable`, its points counted so. */
function refuseWhenStopping(intake: Intake, points: number): void {
  if (intake.accepting()) return;
  intake.stats.reject("unavailable", points);
  throw new ConnectError("the aggregator is shutting down", Code.Unavailable);
}

/** What a refused call answers, and the reason it is counted under. */
function refusal(error: unknown): { reason: string; answer: unknown } {
  if (error instanceof RejectedRequest) {
    return { reason: error.reason, answer: answerFor(Code.InvalidArgument, error) };
  }
  if (error instanceof SpoolFull) {
    return { reason: "spool_full", answer: answerFor(Code.ResourceExhausted, error, "spool full") };
  }
  if (error instanceof SpoolUnavailable) {
    return {
      reason: "unavailable",
      answer: answerFor(Code.Unavailable, error, "spool unavailable"),
    };
  }
  return { reason: "internal", answer: error };
}

/** The Connect error answering `cause`, its message after `what` when given. */
function answerFor(code: Code, cause: Error, what?: string): ConnectError {
  const message = what ? `${what}: ${cause.message}` : cause.message;
  return new ConnectError(message, code, undefined, undefined, cause);
}
