/**
 * Inbound flow control of an HTTP/2 connection (RFC 9113 §5.2, §6.9): the
 * connection window and each stream's window this end announced, shrunk by
 * the DATA that arrives and reopened with WINDOW_UPDATE once the bytes are
 * read (or dropped) — in batches, so a small body costs no update. DATA
 * beyond the connection window is a connection error; beyond a stream's
 * window, that stream's error.
 *
 * @module
 */
import { ConnectionError, encodeWindowUpdate, ErrorCode } from "./frames.ts";

/** A stream as inbound flow control sees it. */
export interface ReceiveStream {
  readonly id: number;
  /** Bytes the peer may still send on this stream. */
  receiveWindow: number;
  /** Bytes read and not yet returned to the peer in a WINDOW_UPDATE. */
  unacknowledged: number;
}

export interface ReceiveFlowOptions {
  /** The connection window this end keeps open. */
  connectionWindow: number;
  /** Reopen a stream window once this much of it was read. */
  streamUpdateThreshold: number;
  /** Queues a WINDOW_UPDATE. */
  send: (frame: Uint8Array) => void;
}

export class ReceiveFlow {
  #options: ReceiveFlowOptions;
  #window: number;
  #unacknowledged = 0;

  constructor(options: ReceiveFlowOptions) {
    this.#options = options;
    this.#window = options.connectionWindow;
  }

  /**
   * `length` bytes of DATA arrived, on `stream` when it is still receiving.
   * False when they pass the stream's window (the caller resets it; the
   * bytes are credited back to the connection here).
   */
  receive(length: number, stream?: ReceiveStream): boolean {
    this.#window -= length;
    if (this.#window < 0) {
      throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "DATA beyond the connection window");
    }
    if (!stream) {
      this.credit(length);
      return true;
    }
    stream.receiveWindow -= length;
    if (stream.receiveWindow >= 0) return true;
    this.credit(length);
    return false;
  }

  /** Bytes of `stream` read or dropped: both windows reopen when enough gathered. */
  consumed(stream: ReceiveStream, bytes: number, streamOpen: boolean): void {
    this.credit(bytes);
    if (!streamOpen) return;
    stream.unacknowledged += bytes;
    if (stream.unacknowledged >= this.#options.streamUpdateThreshold) {
      this.#options.send(encodeWindowUpdate(stream.id, stream.unacknowledged));
      stream.receiveWindow += stream.unacknowledged;
      stream.unacknowledged = 0;
    }
  }

  /** Connection-window bytes no longer held: returned in batches of half the window. */
  credit(bytes: number): void {
    this.#unacknowledged += bytes;
    if (this.#unacknowledged >= this.#options.connectionWindow / 2) {
      this.#options.send(encodeWindowUpdate(0, this.#unacknowledged));
      this.#window += this.#unacknowledged;
      this.#unacknowledged = 0;
    }
  }
}
