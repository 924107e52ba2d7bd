/**
 * The life of one HTTP/2 connection as an explicit state machine: it waits
 * for the peer's SETTINGS (handshake), then carries streams (open); after a
 * GOAWAY either way it only finishes the streams it has (closing); then it is
 * closed. Each transition is allowed from named states only, so an event out
 * of order is a bug that shows, not a silent mix of flags.
 *
 * @module
 */

export type ConnectionState = "handshake" | "open" | "closing" | "closed";

export class ConnectionStateMachine {
  state: ConnectionState = "handshake";

  /** The peer's first SETTINGS: streams may open. */
  settingsReceived(): void {
    if (this.state === "handshake") this.state = "open";
  }

  /** GOAWAY sent or received: no new stream; the ones open finish. */
  goingAway(): void {
    if (this.state === "handshake" || this.state === "open") this.state = "closing";
  }

  close(): void {
    this.state = "closed";
  }

  /** Whether the peer may open a new stream now. */
  get acceptsStreams(): boolean {
    return this.state === "open";
  }

  get closed(): boolean {
    return this.state === "closed";
  }
}
