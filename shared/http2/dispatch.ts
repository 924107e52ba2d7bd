/**
 * Routes each frame received on an HTTP/2 connection to the handler for its
 * type, the same at both ends: PING is answered here, PUSH_PROMISE (push is
 * disabled at both ends) is a connection error, PRIORITY is checked (RFC 9113
 * §6.3: on a stream, 5 bytes, not depending on itself) and otherwise ignored
 * like unknown types (§4.1, §5.5), and a header block may not be interrupted.
 * A malformed PRIORITY could be a stream error; it is taken as a connection
 * error, which RFC 9113 §5.4.1 allows, so it never costs a reset.
 *
 * @module
 */
import {
  ConnectionError,
  ErrorCode,
  Flag,
  type Frame,
  FrameType,
  MAX_WINDOW_SIZE,
} from "./frames.ts";
import type { HeaderBlockReader } from "./header_block.ts";
import { pingAnswer } from "./settings.ts";

/** What one end does with each frame type. */
export interface FrameHandlers {
  /** The reader of header blocks, to tell an interrupted one. */
  headerBlocks: HeaderBlockReader;
  onData(frame: Frame): void;
  /** HEADERS and CONTINUATION. */
  onHeaderFragment(frame: Frame): void;
  onReset(frame: Frame): void;
  onSettings(frame: Frame): void;
  onGoaway(frame: Frame): void;
  onWindowUpdate(frame: Frame): void;
  /** Queues bytes to the peer (the PING answer). */
  send(bytes: Uint8Array): void;
}

export function dispatchFrame(frame: Frame, handlers: FrameHandlers): void {
  handlers.headerBlocks.checkNotInterrupted(frame);
  switch (frame.type) {
    case FrameType.DATA:
      return handlers.onData(frame);
    case FrameType.HEADERS:
    case FrameType.CONTINUATION:
      return handlers.onHeaderFragment(frame);
    case FrameType.RST_STREAM:
      return handlers.onReset(frame);
    case FrameType.SETTINGS:
      return handlers.onSettings(frame);
    case FrameType.PRIORITY:
      return checkPriority(frame);
    case FrameType.PUSH_PROMISE:
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE with push disabled");
    case FrameType.PING: {
      const answer = pingAnswer(frame);
      if (answer) handlers.send(answer);
      return;
    }
    case FrameType.GOAWAY:
      return handlers.onGoaway(frame);
    case FrameType.WINDOW_UPDATE:
      return handlers.onWindowUpdate(frame);
    default:
      return;
  }
}

function checkPriority(frame: Frame): void {
  if (frame.streamId === 0) {
    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PRIORITY on stream 0");
  }
  if (frame.payload.length !== 5) {
    throw new ConnectionError(
      ErrorCode.FRAME_SIZE_ERROR,
      `PRIORITY of ${frame.payload.length} bytes`,
    );
  }
  checkDependency(frame.streamId, frame.payload);
}

/** A HEADERS frame's priority fields, when it has them, may not make it depend on itself. */
export function checkHeadersPriority(frame: Frame): void {
  if (!(frame.flags & Flag.PRIORITY)) return;
  const offset = frame.flags & Flag.PADDED ? 1 : 0;
  if (frame.payload.length >= offset + 4) {
    checkDependency(frame.streamId, frame.payload.subarray(offset));
  }
}

function checkDependency(streamId: number, fields: Uint8Array): void {
  const view = new DataView(fields.buffer, fields.byteOffset, 4);
  if ((view.getUint32(0) & MAX_WINDOW_SIZE) === streamId) {
    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `stream ${streamId} depends on itself`);
  }
}
