/**
 * The Publish and PublishBatch RPCs, shared by every listener: validate, store
 * in the spool and answer only once the spool committed. A batch's valid
 * entries go in one commit; its invalid ones are listed in the answer's
 * `rejected` (index and reason) and not stored; a batch that cannot be stored
 * as a whole is an error with nothing stored. Calls are counted by method and
 * refused points by reason; while shutting down, calls get `unavailable` so
 * collectors keep their points for the next aggregator.
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
import type { Tags } from "../../shared/tags.ts";
import type { TagSetLimit } from "./tag_set_limit.ts";
import { checkedBatchEntry, RejectedRequest } from "../../shared/point/mod.ts";
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
  return (router) =>
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
      async publishBatch(request) {
        intake.stats.call("publish_batch");
        refuseWhenStopping(intake, request.points.length);
        const nowMs = now();
        // Each valid entry goes straight into the call's row body, with no Point in between.
        const row = new RowWriter(request.points.length);
        const values: MetricValues = new Array(METRIC_FIELDS.length);
        const rejected: { index: number; reason: string }[] = [];
        request.points.forEach(({ tags, point }, index) => {
          try {
            const entry = checkedBatchEntry(tags, point, nowMs, values);
            admit(intake, entry.tags, nowMs);
            row.add(entry.time, entry.tags, values);
          } catch (error) {
            if (!(error instanceof RejectedRequest)) throw error;
            intake.stats.reject(error.reason);
            rejected.push({ index, reason: error.message });
          }
        });
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
      },
    });
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
