/**
 * The aggregator's listen addresses, each with the variable that sets it, and
 * which of them cannot be bound: another process holds it, or it is not an
 * address of this machine. Both `--check` and the real start bind every
 * address once and let go before anything serves, so an operator learns which
 * variable is at fault — the listeners' own errors (`Address already in use`)
 * do not say which address they were binding, and by the time one fails the
 * earlier ones are this process's.
 *
 * @module
 */
import type { Address } from "../shared/config/mod.ts";
import type { AggregatorConfig } from "./config/mod.ts";
import { socketHost } from "./server/mod.ts";

export interface ListenAddress {
  variable: string;
  address: Address;
}

/** The configured listen addresses, in the order the aggregator opens them. */
export function listenAddresses(config: AggregatorConfig): ListenAddress[] {
  const addresses: [string, Address | undefined][] = [
    ["AGGREGATOR_LISTEN_ADDRESS", config.listenAddress],
    ["AGGREGATOR_CONNECT_LISTEN_ADDRESS", config.connectListenAddress],
    ["AGGREGATOR_METRICS_LISTEN_ADDRESS", config.metricsListenAddress],
  ];
  return addresses.filter((entry): entry is [string, Address] => entry[1] !== undefined)
    .map(([variable, address]) => ({ variable, address }));
}

/** `AGGREGATOR_LISTEN_ADDRESS=127.0.0.1:8000`. */
export function describeAddress({ variable, address }: ListenAddress): string {
  return `${variable}=${address.host}:${address.port}`;
}

/** Why an address cannot be bound: taken, or not an address of this machine. */
export type BindProblem = "in use" | "not here";

/**
 * Binds every address, holding each until the last is tried, then releases
 * them all: what stands in the way of each, if anything. An address given
 * twice is in use the second time. Other errors (a permission refused) are
 * thrown.
 */
export function tryBinding(
  config: AggregatorConfig,
): { entry: ListenAddress; problem?: BindProblem }[] {
  const held: Deno.Listener[] = [];
  try {
    return listenAddresses(config).map((entry) => {
      try {
        held.push(Deno.listen({ hostname: socketHost(entry.address), port: entry.address.port }));
        return { entry };
      } catch (error) {
        if (error instanceof Deno.errors.AddrInUse) return { entry, problem: "in use" };
        if (error instanceof Deno.errors.AddrNotAvailable) return { entry, problem: "not here" };
        throw error;
      }
    });
  } finally {
    for (const listener of held) listener.close();
  }
}

/**
 * Throws {@link ListenRefused} for the addresses that cannot be bound —
 * those in use first, as the likelier mistake — before anything starts.
 */
export function assertBindable(config: AggregatorConfig): void {
  const results = tryBinding(config);
  for (const problem of ["in use", "not here"] as const) {
    const refused = results.filter((result) => result.problem === problem);
    if (refused.length > 0) throw new ListenRefused(problem, refused.map(({ entry }) => entry));
  }
}

/** Addresses the aggregator cannot listen on, and why. */
export class ListenRefused extends Error {
  override name = "ListenRefused";

  constructor(readonly problem: BindProblem, readonly addresses: readonly ListenAddress[]) {
    super(`${problem}: ${addresses.map(describeAddress).join(", ")}`);
  }
}
