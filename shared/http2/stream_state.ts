/**
 * The life of one HTTP/2 stream (RFC 9113 §5.1) as an explicit state
 * machine: idle, open, half-closed (local or remote), closed — and, once
 * closed, who closed it, because that decides what a late frame means. After
 * this end reset a stream, the peer's frames may still be in flight and are
 * ignored; after the peer ended or reset it, DATA or HEADERS from the peer
 * is its error (STREAM_CLOSED).
 *
 * `ClosedStreams` remembers how the most recent streams closed, bounded in
 * number; `classify` tells, for a frame received on a stream that is not
 * open, whether to ignore it or which error it is.
 *
 * @module
 */
import { ConnectionError, ErrorCode, FrameType } from "./frames.ts";

export type StreamState =
  | "idle"
  | "open"
  | "half_closed_local"
  | "half_closed_remote"
  | "closed";

/** Who closed a closed stream: both ends' END_STREAM, this end's reset, or the peer's. */
export type ClosedBy = "end_stream" | "local_reset" | "remote_reset";

export class StreamStateMachine {
  state: StreamState = "idle";
  closedBy?: ClosedBy;

  /** The peer's HEADERS opened the stream (with END_STREAM: half-closed at once). */
  receiveHeaders(endStream: boolean): void {
    this.#expect("receive HEADERS", "idle");
    this.state = endStream ? "half_closed_remote" : "open";
  }

  /** This end's HEADERS opened the stream. */
  sendHeaders(endStream: boolean): void {
    this.#expect("send HEADERS", "idle");
    this.state = endStream ? "half_closed_local" : "open";
  }

  /** The peer's END_STREAM. */
  receiveEnd(): void {
    this.#expect("receive END_STREAM", "open", "half_closed_local");
    if (this.state === "open") this.state = "half_closed_remote";
    else this.#close("end_stream");
  }

  /** This end's END_STREAM. */
  sendEnd(): void {
    this.#expect("send END_STREAM", "open", "half_closed_remote");
    if (this.state === "open") this.state = "half_closed_local";
    else this.#close("end_stream");
  }

  /** This end's RST_STREAM (from any state but idle and closed). */
  sendReset(): void {
    this.#expect("send RST_STREAM", "open", "half_closed_local", "half_closed_remote");
    this.#close("local_reset");
  }

  /** The peer's RST_STREAM. */
  receiveReset(): void {
    this.#expect("receive RST_STREAM", "open", "half_closed_local", "half_closed_remote");
    this.#close("remote_reset");
  }

  /** Whether the peer may still send DATA, HEADERS (trailers) and CONTINUATION. */
  get remoteOpen(): boolean {
    return this.state === "open" || this.state === "half_closed_local";
  }

  /** Whether this end may still send on the stream. */
  get localOpen(): boolean {
    return this.state === "open" || this.state === "half_closed_remote";
  }

  #close(by: ClosedBy): void {
    this.state = "closed";
    this.closedBy = by;
  }

  #expect(what: string, ...states: StreamState[]): void {
    if (!states.includes(this.state)) {
      throw new Error(`cannot ${what} on a stream that is ${this.state}`);
    }
  }
}

/** What to do with a frame the peer sent on a stream that is not open. */
export type LateFrame = "ignore" | "idle";

/** The frames allowed on any closed stream, some time after it closed. */
const HARMLESS_LATE = new Set<number>([
  FrameType.PRIORITY,
  FrameType.WINDOW_UPDATE,
  FrameType.RST_STREAM,
]);

/** How the last `capacity` closed streams closed, oldest forgotten first. */
export class ClosedStreams {
  #closed = new Map<number, ClosedBy>();

  constructor(readonly capacity = 128) {}

  record(id: number, by: ClosedBy): void {
    this.#closed.delete(id);
    this.#closed.set(id, by);
    if (this.#closed.size > this.capacity) {
      this.#closed.delete(this.#closed.keys().next().value!);
    }
  }

  closedBy(id: number): ClosedBy | undefined {
    return this.#closed.get(id);
  }

  /**
   * The verdict on a frame of `type` on stream `id` that is not open, where
   * `lastId` is the highest stream id the peer opened: "idle" (the caller
   * decides), "ignore", or a thrown error.
   */
  classify(type: number, id: number, lastId: number): LateFrame {
    if (id > lastId) return "idle";
    const by = this.#closed.get(id);
    if (HARMLESS_LATE.has(type) || by === "local_reset") return "ignore";
    if (by === undefined) {
      // Never opened (skipped) or closed long ago: only a new stream's HEADERS is a mistake.
      if (type !== FrameType.HEADERS) return "ignore";
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        `HEADERS on stream ${id}, below the last stream opened (${lastId})`,
      );
    }
    throw new ConnectionError(
      ErrorCode.STREAM_CLOSED,
      `frame type ${type} on stream ${id}, closed by ${by.replace("_", " ")}`,
    );
  }
}
