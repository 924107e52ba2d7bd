/**
 * Why the aggregator could not start, as one line for an operator: a listen
 * address taken or not on this machine names the variable that set it, a
 * permission refusal is reworded (never advising a broader flag), anything
 * else is its message — no stack trace.
 *
 * @module
 */
import type { AggregatorConfig } from "./config/mod.ts";
import { permissionRefusal, withoutFlagAdvice } from "../shared/permissions/mod.ts";
import {
  type BindProblem,
  describeAddress,
  type ListenAddress,
  listenAddresses,
  ListenRefused,
} from "./listen_addresses.ts";

const VARIABLES = "AGGREGATOR_LISTEN_ADDRESS, AGGREGATOR_CONNECT_LISTEN_ADDRESS, " +
  "AGGREGATOR_METRICS_LISTEN_ADDRESS, AGGREGATOR_SPOOL_PATH and the destinations' URLs";

/** How a start refused for its listen addresses is worded: one, several, or one of several. */
const WORDING: Record<BindProblem, { one: string; many: string; oneOf: string; advice: string }> = {
  "in use": {
    one: "a listen address is already in use by another process",
    many: "listen addresses are already in use by another process",
    oneOf: "one of these listen addresses is already in use by another process",
    advice: "stop that process or choose another port",
  },
  "not here": {
    one: "a listen address is not on this machine",
    many: "listen addresses are not on this machine",
    oneOf: "one of these listen addresses is not on this machine",
    advice: "choose an address of one of its interfaces, or 0.0.0.0",
  },
};

export function startupFailure(error: unknown, config: AggregatorConfig): string {
  const refusal = permissionRefusal(error, VARIABLES);
  if (refusal) return `cannot start: ${refusal}`;
  if (error instanceof ListenRefused) return refused(error.problem, error.addresses);
  // Refused after the check at start: node:net's error names the port, Deno.serve's does not.
  const problem = error instanceof Deno.errors.AddrInUse || errorCode(error) === "EADDRINUSE"
    ? "in use"
    : error instanceof Deno.errors.AddrNotAvailable || errorCode(error) === "EADDRNOTAVAIL"
    ? "not here"
    : undefined;
  if (problem) {
    const port = (error as { port?: unknown }).port;
    const all = listenAddresses(config);
    const named = all.filter(({ address }) => address.port === port);
    return named.length > 0
      ? refused(problem, named)
      : refused(problem, all, WORDING[problem].oneOf);
  }
  const message = error instanceof Error ? error.message : String(error);
  return `cannot start: ${withoutFlagAdvice(message.split("\n")[0])}`;
}

function refused(
  problem: BindProblem,
  addresses: readonly ListenAddress[],
  which?: string,
): string {
  const wording = WORDING[problem];
  which ??= addresses.length === 1 ? wording.one : wording.many;
  return `cannot start: ${which} (${addresses.map(describeAddress).join(", ")}): ${wording.advice}`;
}

/** node:net's errors carry the errno name as `code`. */
function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | undefined)?.code;
}
