/**
 * Header blocks received on an HTTP/2 connection (RFC 9113 §4.3, §6.2,
 * §6.10): a HEADERS frame and its CONTINUATION frames gathered, bounded in
 * size and in the number of fragments (an empty CONTINUATION adds no bytes
 * but still costs a buffer), and decoded in arrival order so the HPACK table
 * stays in step.
 *
 * @module
 */
import {
  ConnectionError,
  ErrorCode,
  Flag,
  type Frame,
  framePayloadContent,
  FrameType,
  joinBytes,
} from "./frames.ts";
import { HeaderDecoder, type HeaderField } from "./hpack.ts";

/** A complete header block. */
export interface HeaderBlock {
  streamId: number;
  /** The HEADERS frame ended the stream. */
  endStream: boolean;
  fields: HeaderField[];
}

interface PendingBlock {
  streamId: number;
  endStream: boolean;
  fragments: Uint8Array[];
  bytes: number;
}

/** The most frames one header block may span: a block at the size limit needs two. */
export const MAX_BLOCK_FRAGMENTS = 32;

export class HeaderBlockReader {
  #maxBytes: number;
  #maxFragments: number;
  #decoder: HeaderDecoder;
  #pending?: PendingBlock;

  /** `maxHeaderListSize` bounds the compressed block and the decoded list alike. */
  constructor(maxHeaderListSize: number, maxFragments = MAX_BLOCK_FRAGMENTS) {
    this.#maxBytes = maxHeaderListSize;
    this.#maxFragments = maxFragments;
    this.#decoder = new HeaderDecoder(maxHeaderListSize);
  }

  /** A connection error when a block is open and `frame` is not its CONTINUATION. */
  checkNotInterrupted(frame: Frame): void {
    if (this.#pending && frame.type !== FrameType.CONTINUATION) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "a header block was interrupted");
    }
  }

  /** Takes a HEADERS or CONTINUATION frame; the block once its last fragment came. */
  push(frame: Frame): HeaderBlock | undefined {
    let pending = this.#pending;
    if (frame.type === FrameType.HEADERS) {
      pending = {
        streamId: frame.streamId,
        endStream: !!(frame.flags & Flag.END_STREAM),
        fragments: [],
        bytes: 0,
      };
    } else if (!pending || pending.streamId !== frame.streamId) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "CONTINUATION without its HEADERS");
    }
    const fragment = framePayloadContent(frame);
    pending.fragments.push(fragment);
    pending.bytes += fragment.length;
    if (pending.fragments.length > this.#maxFragments) {
      throw new ConnectionError(
        ErrorCode.ENHANCE_YOUR_CALM,
        `a header block in more than ${this.#maxFragments} frames`,
      );
    }
    if (pending.bytes > this.#maxBytes) {
      throw new ConnectionError(
        ErrorCode.ENHANCE_YOUR_CALM,
        `a header block of more than ${this.#maxBytes} bytes`,
      );
    }
    if (!(frame.flags & Flag.END_HEADERS)) {
      this.#pending = pending;
      return undefined;
    }
    this.#pending = undefined;
    return {
      streamId: pending.streamId,
      endStream: pending.endStream,
      fields: this.#decoder.decode(joinBytes(pending.fragments)),
    };
  }
}
