/**
 * Holds the reads of one socket while what was already read from it waits
 * unread further up. The TLS listener reads each socket through a gate and
 * `node:tls` decrypts what comes through; `node:tls` keeps pulling bytes
 * from the stream beneath it whether or not its own socket is paused, so the
 * decrypted side holds the gate instead: the client's bytes then wait in the
 * kernel and TCP holds the sender back, as on a cleartext socket that is not
 * read (docs/ARCHITECTURE.md, "The HTTP/2 engine", back-off).
 *
 * `node:tls` names no stream beneath a socket it made, so the stream hands
 * its bytes over inside `deliver`, and whatever they cause there — the
 * completed handshake that yields the socket — sees the gate as `current()`.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";

const delivering = new AsyncLocalStorage<ReadGate>();

export class ReadGate {
  #held?: PromiseWithResolvers<void>;

  /** The gate whose bytes are being handed over now, if any. */
  static current(): ReadGate | undefined {
    return delivering.getStore();
  }

  /** Runs `handOver` (which hands over bytes read through this gate) as this gate's. */
  deliver(handOver: () => void): void {
    delivering.run(this, handOver);
  }

  get held(): boolean {
    return this.#held !== undefined;
  }

  hold(): void {
    this.#held ??= Promise.withResolvers();
  }

  release(): void {
    this.#held?.resolve();
    this.#held = undefined;
  }

  /** Resolves at once while open, else once released. */
  opened(): Promise<void> {
    return this.#held?.promise ?? Promise.resolve();
  }
}
