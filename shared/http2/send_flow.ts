/**
 * Outbound flow control of an HTTP/2 connection (RFC 9113 §5.2, §6.9): the
 * peer's frame size and initial stream window from its SETTINGS, the
 * connection send window, WINDOW_UPDATE applied to it and to stream windows,
 * and DATA sent within all three, waiting while a window is shut.
 *
 * @module
 */
import {
  ConnectionError,
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_WINDOW_SIZE,
  encodeFrame,
  ErrorCode,
  Flag,
  FrameType,
} from "./frames.ts";
import { grownWindow, type PeerSettings } from "./settings.ts";

/** A stream as flow control sees it. */
export interface FlowStream {
  readonly id: number;
  /** Bytes this end may still send on the stream. */
  sendWindow: number;
}

export class SendFlow {
  /** The largest frame payload the peer accepts. */
  maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  /** The send window a new stream starts with. */
  initialStreamWindow = DEFAULT_WINDOW_SIZE;
  #window = DEFAULT_WINDOW_SIZE;
  #opened = Promise.withResolvers<void>();

  /** Applies the peer's SETTINGS; open streams' windows move by the change of initial window. */
  applySettings(settings: PeerSettings, streams: Iterable<FlowStream>): void {
    if (settings.initialWindowSize !== undefined) {
      const delta = settings.initialWindowSize - this.initialStreamWindow;
      this.initialStreamWindow = settings.initialWindowSize;
      for (const stream of streams) stream.sendWindow += delta;
    }
    this.maxFrameSize = settings.maxFrameSize ?? this.maxFrameSize;
    this.wake();
  }

  /** A connection WINDOW_UPDATE; zero or an overflow is a connection error. */
  growConnection(increment: number): void {
    const grown = grownWindow(this.#window, increment);
    if (increment === 0 || grown === undefined) {
      throw new ConnectionError(
        increment === 0 ? ErrorCode.PROTOCOL_ERROR : ErrorCode.FLOW_CONTROL_ERROR,
        `connection WINDOW_UPDATE of ${increment}`,
      );
    }
    this.#window = grown;
    this.wake();
  }

  /** A stream WINDOW_UPDATE; the error code to reset the stream with, if zero or an overflow. */
  growStream(stream: FlowStream, increment: number): number | undefined {
    const grown = grownWindow(stream.sendWindow, increment);
    if (increment === 0 || grown === undefined) {
      return increment === 0 ? ErrorCode.PROTOCOL_ERROR : ErrorCode.FLOW_CONTROL_ERROR;
    }
    stream.sendWindow = grown;
    this.wake();
    return undefined;
  }

  /** Resolves at the next `wake`: what a sender waiting for a window or a stream slot awaits. */
  changed(): Promise<void> {
    return this.#opened.promise;
  }

  /** Wakes the senders waiting for a window (a window grew, a stream or the connection closed). */
  wake(): void {
    this.#opened.resolve();
    this.#opened = Promise.withResolvers();
  }

  /**
   * `data` on `stream` as one DATA frame ending it, when it fits the peer's
   * frame size and both windows now; false (nothing sent) when it does not.
   */
  sendAtOnce(stream: FlowStream, data: Uint8Array, send: (frame: Uint8Array) => void): boolean {
    if (data.length > Math.min(this.maxFrameSize, this.#window, stream.sendWindow)) return false;
    send(encodeFrame(FrameType.DATA, Flag.END_STREAM, stream.id, data));
    this.#window -= data.length;
    stream.sendWindow -= data.length;
    return true;
  }

  /**
   * `data` on `stream` as DATA frames handed to `send`, each within the peer's
   * frame size and both windows; with `endStream` the last one (an empty one
   * for empty data) ends the stream. Stops once `isOpen` turns false.
   */
  async sendData(
    stream: FlowStream,
    data: Uint8Array,
    endStream: boolean,
    isOpen: () => boolean,
    send: (frame: Uint8Array) => void,
  ): Promise<void> {
    let offset = 0;
    let endSent = false;
    while (offset < data.length || (endStream && !endSent)) {
      if (!isOpen()) return;
      const allowed = Math.min(this.maxFrameSize, this.#window, stream.sendWindow);
      if (allowed <= 0 && offset < data.length) {
        await this.#opened.promise;
        continue;
      }
      const end = Math.min(data.length, offset + Math.max(allowed, 0));
      endSent = endStream && end === data.length;
      send(
        encodeFrame(
          FrameType.DATA,
          endSent ? Flag.END_STREAM : 0,
          stream.id,
          data.subarray(offset, end),
        ),
      );
      this.#window -= end - offset;
      stream.sendWindow -= end - offset;
      offset = end;
    }
  }
}
