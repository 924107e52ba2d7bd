/**
 * Why the aggregator could not start, as one line for an operator: a port
 * already taken names the variable of the address that is busy, a permission
 * refusal is reworded (never advising a broader flag), anything else is its
 * message — no stack trace.
 *
 * @module
 */
import type { AggregatorConfig } from "../shared/config/mod.ts";
import { permissionRefusal, withoutFlagAdvice } from "../shared/permissions/refusal.ts";
import {
  AddressesInUse,
  describeAddress,
  type ListenAddress,
  listenAddresses,
} from "./listen_addresses.ts";

const VARIABLES = "AGGREGATOR_LISTEN_ADDRESS, AGGREGATOR_CONNECT_LISTEN_ADDRESS, " +
  "AGGREGATOR_METRICS_LISTEN_ADDRESS, AGGREGATOR_SPOOL_PATH and the destinations' URLs";

export function startupFailure(error: unknown, config: AggregatorConfig): string {
  const refusal = permissionRefusal(error, VARIABLES);
  if (refusal) return `cannot start: ${refusal}`;
  if (error instanceof AddressesInUse) {
    const which = error.addresses.length === 1 ? "a listen address is" : "listen addresses are";
    return inUse(which, error.addresses);
  }
  if (error instanceof Deno.errors.AddrInUse || errorCode(error) === "EADDRINUSE") {
    // Taken after the check at start: node:net's error names the port, Deno.serve's does not.
    const port = (error as { port?: unknown }).port;
    const all = listenAddresses(config);
    const named = all.filter(({ address }) => address.port === port);
    return named.length > 0
      ? inUse("a listen address is", named)
      : inUse("one of these listen addresses is", all);
  }
  if (error instanceof Deno.errors.AddrNotAvailable || errorCode(error) === "EADDRNOTAVAIL") {
    return `cannot start: a listen address is not on this machine ` +
      `(AGGREGATOR_LISTEN_ADDRESS=${config.listenAddress.host}:${config.listenAddress.port}): ` +
      withoutFlagAdvice((error as Error).message);
  }
  const message = error instanceof Error ? error.message : String(error);
  return `cannot start: ${withoutFlagAdvice(message.split("\n")[0])}`;
}

function inUse(which: string, addresses: readonly ListenAddress[]): string {
  return `cannot start: ${which} already in use by another process ` +
    `(${addresses.map(describeAddress).join(", ")}): stop that process or choose another port`;
}

/** node:net's errors carry the errno name as `code`. */
function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | undefined)?.code;
}
