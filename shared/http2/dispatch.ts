/**
 * Routes each frame received on an HTTP/2 connection to the handler for its
 * type, the same at both ends: PING is answered here, PUSH_PROMISE (push is
 * disabled at both ends) is a connection error, PRIORITY and unknown types are
 * ignored (RFC 9113 §4.1, §5.5), and a header block may not be interrupted.
 *
 * @module
 */
import { ConnectionError, ErrorCode, type Frame, FrameType } from "./frames.ts";
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
