/**
 * The Publish RPC, shared by every listener: validate the call, store the
 * point in the spool and answer only once it is committed. Refusals are
 * counted by reason; while shutting down, calls get `unavailable` so
 * collectors keep their points for the next aggregator.
 *
 * @module
 */
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { Aggregator } from "../../shared/gen/aggregator_pb.ts";
import type { Stats } from "../stats.ts";
import { type Spool, SpoolFull, SpoolUnavailable } from "../spool/mod.ts";
import { hostNameAlias, HTTP_VERSION } from "./host_alias.ts";
import { pointFrom, RejectedRequest } from "./validate.ts";

export interface Intake {
  spool: Spool;
  stats: Stats;
  accepting: () => boolean;
  now?: () => number;
}

export function publishRoutes(intake: Intake): (router: ConnectRouter) => void {
  const now = intake.now ?? Date.now;
  return (router) =>
    router.service(Aggregator, {
      async publish(request, context) {
        if (!intake.accepting()) {
          intake.stats.reject("unavailable");
          throw new ConnectError("the aggregator is shutting down", Code.Unavailable);
        }
        try {
          const call = {
            request,
            headers: context.requestHeader,
            hostNameAlias: hostNameAlias(context.requestHeader, context.values.get(HTTP_VERSION)),
          };
          await intake.spool.append([pointFrom(call, now())]);
        } catch (error) {
          const { reason, answer } = refusal(error);
          intake.stats.reject(reason);
          throw answer;
        }
        intake.stats.accept(1);
        return {};
      },
    });
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
