/**
 * The checks both ends of an HTTP/2 connection make on what the peer sends
 * about the connection itself (RFC 9113 §6.5, §6.7, §6.8, §6.9): a SETTINGS
 * frame read into the values this project acts on, the size a header list
 * has in the peer's eyes (§6.5.2), a PING to answer, a GOAWAY
 * read, and a WINDOW_UPDATE added to a flow-control window without overflow.
 *
 * @module
 */
import {
  ConnectionError,
  decodeGoaway,
  decodeSettings,
  decodeUint32,
  DEFAULT_MAX_FRAME_SIZE,
  encodeFrame,
  ErrorCode,
  Flag,
  type Frame,
  FrameType,
  type Goaway,
  MAX_WINDOW_SIZE,
  Setting,
} from "./frames.ts";
import type { HeaderField } from "./hpack.ts";

/** The settings a peer changed, validated; absent ones were not in the frame. */
export interface PeerSettings {
  initialWindowSize?: number;
  maxFrameSize?: number;
  /** The most streams this end may have open towards the peer at once. */
  maxConcurrentStreams?: number;
  /** The largest header list (RFC 9113 §6.5.2 size) the peer accepts. */
  maxHeaderListSize?: number;
}

/** RFC 9113 §4.2: the largest SETTINGS_MAX_FRAME_SIZE allowed. */
const LARGEST_FRAME_SIZE = 2 ** 24 - 1;

/**
 * The settings in a SETTINGS frame, or undefined for an ACK. A frame on a
 * stream, an ACK with a payload or a value out of range is a connection error.
 */
export function readSettings(frame: Frame): PeerSettings | undefined {
  if (frame.streamId !== 0) {
    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS on a stream");
  }
  if (frame.flags & Flag.ACK) {
    if (frame.payload.length) {
      throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS ACK with a payload");
    }
    return undefined;
  }
  const settings: PeerSettings = {};
  for (const [id, value] of decodeSettings(frame.payload)) {
    if (id === Setting.ENABLE_PUSH && value > 1) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `ENABLE_PUSH ${value}`);
    } else if (id === Setting.INITIAL_WINDOW_SIZE) {
      if (value > MAX_WINDOW_SIZE) {
        throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, `INITIAL_WINDOW_SIZE ${value}`);
      }
      settings.initialWindowSize = value;
    } else if (id === Setting.MAX_FRAME_SIZE) {
      if (value < DEFAULT_MAX_FRAME_SIZE || value > LARGEST_FRAME_SIZE) {
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `MAX_FRAME_SIZE ${value}`);
      }
      settings.maxFrameSize = value;
    } else if (id === Setting.MAX_CONCURRENT_STREAMS) {
      settings.maxConcurrentStreams = value;
    } else if (id === Setting.MAX_HEADER_LIST_SIZE) {
      settings.maxHeaderListSize = value;
    }
  }
  return settings;
}

export const SETTINGS_ACK: Uint8Array = encodeFrame(FrameType.SETTINGS, Flag.ACK, 0);

/** The PING ACK to send for `frame`, or undefined when it is an ACK itself. */
export function pingAnswer(frame: Frame): Uint8Array | undefined {
  if (frame.streamId !== 0) {
    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PING on a stream");
  }
  if (frame.payload.length !== 8) {
    throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, `PING of ${frame.payload.length} bytes`);
  }
  return frame.flags & Flag.ACK
    ? undefined
    : encodeFrame(FrameType.PING, Flag.ACK, 0, frame.payload);
}

/** The increment a WINDOW_UPDATE carries (zero is the caller's error to raise). */
export function windowIncrement(frame: Frame): number {
  return decodeUint32(frame, "WINDOW_UPDATE") & MAX_WINDOW_SIZE;
}

/** `window + increment`, or undefined when that passes 2^31-1 (a FLOW_CONTROL_ERROR). */
export function grownWindow(window: number, increment: number): number | undefined {
  const grown = window + increment;
  return grown > MAX_WINDOW_SIZE ? undefined : grown;
}

/** The GOAWAY `frame` carries; one on a stream is a connection error. */
export function readGoaway(frame: Frame): Goaway {
  if (frame.streamId !== 0) {
    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "GOAWAY on a stream");
  }
  return decodeGoaway(frame.payload);
}

/** A header list's size as MAX_HEADER_LIST_SIZE counts it: bytes of names and values, plus 32 per field. */
export function headerListSize(fields: readonly HeaderField[]): number {
  let size = 0;
  for (const [name, value] of fields) size += utf8Length(name) + utf8Length(value) + 32;
  return size;
}

function utf8Length(text: string): number {
  let length = text.length;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0x80) length += code >= 0x800 && (code < 0xd800 || code > 0xdfff) ? 2 : 1;
  }
  return length;
}
