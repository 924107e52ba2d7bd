/**
 * The aggregator's listen addresses, each with the variable that sets it, and
 * which of them another process already holds. Both `--check` and the real
 * start bind every address once and let go before anything serves, so an
 * operator learns which variable names a taken port — the listeners' own
 * errors (`Address already in use`) do not say which address they were
 * binding, and by the time one fails the earlier ones are this process's.
 *
 * @module
 */
import type { Address, AggregatorConfig } from "../shared/config/mod.ts";
import { socketHost } from "./server/listener.ts";

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

/**
 * The addresses that cannot be bound because they are in use — by another
 * process, or by an earlier address of the same list. All are held until the
 * last is tried, then released. Other bind errors are left to the real start,
 * which words them.
 */
export function busyAddresses(config: AggregatorConfig): ListenAddress[] {
  const held: Deno.Listener[] = [];
  const busy: ListenAddress[] = [];
  try {
    for (const entry of listenAddresses(config)) {
      try {
        held.push(
          Deno.listen({ hostname: socketHost(entry.address), port: entry.address.port }),
        );
      } catch (error) {
        if (error instanceof Deno.errors.AddrInUse) busy.push(entry);
        else if (!(error instanceof Deno.errors.AddrNotAvailable)) throw error;
      }
    }
  } finally {
    for (const listener of held) listener.close();
  }
  return busy;
}

/** Thrown before the start when `addresses` are taken. */
export class AddressesInUse extends Error {
  override name = "AddressesInUse";

  constructor(readonly addresses: readonly ListenAddress[]) {
    super(`in use: ${addresses.map(describeAddress).join(", ")}`);
  }
}
