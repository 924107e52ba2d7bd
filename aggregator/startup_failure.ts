/**
 * Why the aggregator could not start, as one line for an operator: a port
 * already taken names the listen variables, a permission refusal is reworded
 * (never advising a broader flag), anything else is its message — no stack
 * trace.
 *
 * @module
 */
import type { AggregatorConfig } from "../shared/config/mod.ts";
import { permissionRefusal, withoutFlagAdvice } from "../shared/permissions/refusal.ts";

const VARIABLES = "AGGREGATOR_LISTEN_ADDRESS, AGGREGATOR_CONNECT_LISTEN_ADDRESS, " +
  "AGGREGATOR_METRICS_LISTEN_ADDRESS, AGGREGATOR_SPOOL_PATH and the destinations' URLs";

export function startupFailure(error: unknown, config: AggregatorConfig): string {
  const refusal = permissionRefusal(error, VARIABLES);
  if (refusal) return `cannot start: ${refusal}`;
  if (error instanceof Deno.errors.AddrInUse || errorCode(error) === "EADDRINUSE") {
    const addresses = [
      ["AGGREGATOR_LISTEN_ADDRESS", config.listenAddress],
      ["AGGREGATOR_CONNECT_LISTEN_ADDRESS", config.connectListenAddress],
      ["AGGREGATOR_METRICS_LISTEN_ADDRESS", config.metricsListenAddress],
    ].filter(([, address]) => address !== undefined)
      .map(([name, address]) => {
        const { host, port } = address as { host: string; port: number };
        return `${name}=${host}:${port}`;
      });
    return `cannot start: a listen address is already in use by another process ` +
      `(${addresses.join(", ")}): stop that process or choose another port`;
  }
  if (error instanceof Deno.errors.AddrNotAvailable || errorCode(error) === "EADDRNOTAVAIL") {
    return `cannot start: a listen address is not on this machine ` +
      `(AGGREGATOR_LISTEN_ADDRESS=${config.listenAddress.host}:${config.listenAddress.port}): ` +
      withoutFlagAdvice((error as Error).message);
  }
  const message = error instanceof Error ? error.message : String(error);
  return `cannot start: ${withoutFlagAdvice(message.split("\n")[0])}`;
}

/** node:net's errors carry the errno name as `code`. */
function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | undefined)?.code;
}
