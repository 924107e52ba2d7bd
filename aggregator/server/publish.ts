/**
 * The Publish RPC, shared by every listener: validate the call, store the
 * point in the spool and answer only once it is committed. Refusals are
 * counted by reason; while shutting down, calls get `unavailable` so
 * collectors keep their points for the next aggregator.
 */
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { Aggregator } from "../../shared/gen/aggregator_pb.ts";
import type { Stats } from "../stats.ts";
import type { Spool } from "../spool/spool.ts";
import { SpoolFull, SpoolUnavailable } from "../spool/refusal.ts";
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
        try {
          if (!intake.accepting()) {
            throw new ConnectError("the aggregator is shutting down", Code.Unavailable);
          }
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
  if (error instanceof RejectedRequest) return { reason: error.reason, answer: error };
  if (error instanceof SpoolFull) {
    return { reason: "spool_full", answer: answerFor(`spool full`, Code.ResourceExhausted, error) };
  }
  if (error instanceof SpoolUnavailable) {
    return {
      reason: "unavailable",
      answer: answerFor("spool unavailable", Code.Unavailable, error),
    };
  }
  if (error instanceof ConnectError && error.code === Code.Unavailable) {
    return { reason: "unavailable", answer: error };
  }
  return { reason: "internal", answer: error };
}

function answerFor(what: string, code: Code, cause: Error): ConnectError {
  return new ConnectError(`${what}: ${cause.message}`, code, undefined, undefined, cause);
}
