/**
 * Open connections counted in total and per remote address, admitting a new
 * one only within `maxConnections` and `maxConnectionsPerPeer`.
 *
 * @module
 */
import type { ListenerLimits } from "../../config/mod.ts";

export class PeerCounts {
  #total = 0;
  #perPeer = new Map<string, number>();

  constructor(readonly limits: ListenerLimits) {}

  /** Counts a connection from `peer` and returns true, or false when over a limit. */
  admit(peer: string): boolean {
    const count = this.#perPeer.get(peer) ?? 0;
    if (this.#total >= this.limits.maxConnections || count >= this.limits.maxConnectionsPerPeer) {
      return false;
    }
    this.#total++;
    this.#perPeer.set(peer, count + 1);
    return true;
  }

  release(peer: string): void {
    this.#total--;
    const left = (this.#perPeer.get(peer) ?? 1) - 1;
    if (left > 0) this.#perPeer.set(peer, left);
    else this.#perPeer.delete(peer);
  }
}
