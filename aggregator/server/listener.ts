/**
 * What the aggregator's listeners have in common: where they listen, what they
 * serve, and how they stop.
 *
 * @module
 */
import type { ConnectRouter } from "@connectrpc/connect";
import type { Address } from "../../shared/config/mod.ts";
import type { Serving } from "./health.ts";
import type { ListenerLimits } from "../config/mod.ts";

export interface ListenerOptions {
  address: Address;
  routes: (router: ConnectRouter) => void;
  /** Largest request message accepted; bigger ones get `resource_exhausted`. */
  readMaxBytes: number;
  serving: Serving;
  /** What one client may cost: connections, streams, time (docs/ARCHITECTURE.md, "Limits"). */
  limits: ListenerLimits;
}

export interface Listener {
  /** e.g. `http2 0.0.0.0:8000`, for logs. */
  readonly description: string;
  /**
   * Stops accepting connections and lets calls in progress finish; cuts the
   * connections still open when `deadline` aborts.
   */
  close(deadline: AbortSignal): Promise<void>;
}

/** A host as socket APIs take it: IPv6 without brackets, empty meaning every interface. */
export function socketHost(address: Address): string {
  return address.host.replace(/^\[(.*)\]$/, "$1") || "0.0.0.0";
}
