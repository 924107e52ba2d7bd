/**
 * HTTP/2 frames (RFC 9113 §4, §6): the frame types, flags, settings and error
 * codes a unary gRPC client and server use, the encoders for the frames they
 * send, and a parser that cuts a byte stream into frames, refusing any frame
 * larger than the SETTINGS_MAX_FRAME_SIZE its end announced.
 *
 * @module
 */

export const FRAME_HEADER_BYTES = 9;
/** RFC 9113 §6.5.2: the initial (and our) SETTINGS_MAX_FRAME_SIZE. */
export const DEFAULT_MAX_FRAME_SIZE = 16_384;
/** RFC 9113 §6.9.2: every flow-control window starts here. */
export const DEFAULT_WINDOW_SIZE = 65_535;
export const MAX_WINDOW_SIZE = 2 ** 31 - 1;

/** The client connection preface, RFC 9113 §3.4. */
export const CLIENT_PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

export const Setting = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;

/** RFC 9113 §7. */
export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

const ERROR_NAMES = new Map(Object.entries(ErrorCode).map(([name, code]) => [code, name]));

/** "CANCEL", or the number in hex for a code RFC 9113 does not name. */
export function errorCodeName(code: number): string {
  return ERROR_NAMES.get(code as never) ?? `0x${code.toString(16)}`;
}

export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Uint8Array;
}

/** A breach of HTTP/2 by the peer that ends the connection (RFC 9113 §5.4.1). */
export class ConnectionError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = "ConnectionError";
  }
}

/** A breach of HTTP/2 confined to one stream, which is reset (RFC 9113 §5.4.2). */
export class StreamError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = "StreamError";
  }
}

export function encodeFrame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, payload.length << 8);
  frame[3] = type;
  frame[4] = flags;
  view.setUint32(5, streamId & MAX_WINDOW_SIZE);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * A header block as HEADERS and the CONTINUATION frames it needs, none larger
 * than `maxFrameSize`; `flags` (END_STREAM) go on the HEADERS frame.
 */
export function encodeHeaderBlock(
  streamId: number,
  block: Uint8Array,
  maxFrameSize: number,
  flags = 0,
): Uint8Array[] {
  const first = block.subarray(0, maxFrameSize);
  const frames = [
    encodeFrame(
      FrameType.HEADERS,
      flags | (first.length === block.length ? Flag.END_HEADERS : 0),
      streamId,
      first,
    ),
  ];
  for (let offset = maxFrameSize; offset < block.length; offset += maxFrameSize) {
    const fragment = block.subarray(offset, offset + maxFrameSize);
    const last = offset + maxFrameSize >= block.length;
    frames.push(
      encodeFrame(FrameType.CONTINUATION, last ? Flag.END_HEADERS : 0, streamId, fragment),
    );
  }
  return frames;
}

export function encodeSettings(settings: ReadonlyArray<[number, number]>): Uint8Array {
  const payload = new Uint8Array(settings.length * 6);
  const view = new DataView(payload.buffer);
  settings.forEach(([id, value], index) => {
    view.setUint16(index * 6, id);
    view.setUint32(index * 6 + 2, value);
  });
  return encodeFrame(FrameType.SETTINGS, 0, 0, payload);
}

export function encodeWindowUpdate(streamId: number, increment: number): Uint8Array {
  return encodeFrame(FrameType.WINDOW_UPDATE, 0, streamId, uint32(increment));
}

export function encodeRstStream(streamId: number, code: number): Uint8Array {
  return encodeFrame(FrameType.RST_STREAM, 0, streamId, uint32(code));
}

export function encodeGoaway(lastStreamId: number, code: number, debug = ""): Uint8Array {
  const text = new TextEncoder().encode(debug);
  const payload = new Uint8Array(8 + text.length);
  const view = new DataView(payload.buffer);
  view.setUint32(0, lastStreamId);
  view.setUint32(4, code);
  payload.set(text, 8);
  return encodeFrame(FrameType.GOAWAY, 0, 0, payload);
}

function uint32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value);
  return bytes;
}

/** SETTINGS payload as [identifier, value] pairs; a length not a multiple of 6 is malformed. */
export function decodeSettings(payload: Uint8Array): [number, number][] {
  if (payload.length % 6 !== 0) {
    throw new ConnectionError(
      ErrorCode.FRAME_SIZE_ERROR,
      `SETTINGS payload of ${payload.length} bytes`,
    );
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
  const settings: [number, number][] = [];
  for (let offset = 0; offset < payload.length; offset += 6) {
    settings.push([view.getUint16(offset), view.getUint32(offset + 2)]);
  }
  return settings;
}

/** The 32-bit value a RST_STREAM or WINDOW_UPDATE carries (4 bytes exactly). */
export function decodeUint32(frame: Frame, name: string): number {
  if (frame.payload.length !== 4) {
    throw new ConnectionError(
      ErrorCode.FRAME_SIZE_ERROR,
      `${name} payload of ${frame.payload.length} bytes`,
    );
  }
  return new DataView(frame.payload.buffer, frame.payload.byteOffset, 4).getUint32(0);
}

export interface Goaway {
  lastStreamId: number;
  code: number;
  debug: string;
}

export function decodeGoaway(payload: Uint8Array): Goaway {
  if (payload.length < 8) {
    throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, `GOAWAY payload of ${payload.length}`);
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
  return {
    lastStreamId: view.getUint32(0) & MAX_WINDOW_SIZE,
    code: view.getUint32(4),
    debug: new TextDecoder().decode(payload.subarray(8, 8 + 256)),
  };
}

/**
 * The fragment of a HEADERS, CONTINUATION or DATA payload left once padding
 * and priority fields are removed (RFC 9113 §6.1, §6.2).
 */
export function framePayloadContent(frame: Frame): Uint8Array {
  let { payload } = frame;
  let padding = 0;
  if (frame.type !== FrameType.CONTINUATION && frame.flags & Flag.PADDED) {
    if (payload.length < 1) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "no pad length");
    padding = payload[0];
    payload = payload.subarray(1);
  }
  if (frame.type === FrameType.HEADERS && frame.flags & Flag.PRIORITY) {
    if (payload.length < 5) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "short priority");
    payload = payload.subarray(5);
  }
  if (padding > payload.length) {
    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "padding longer than the payload");
  }
  return payload.subarray(0, payload.length - padding);
}

/**
 * Cuts bytes read from the connection into frames. Each payload byte is
 * copied once, into a buffer of exactly the payload's size (a frame split
 * across reads is gathered into one allocated when its header arrived), so a
 * payload kept costs its length and nothing is joined again per read. Holds
 * at most one frame beyond what was consumed; a frame header announcing more
 * than `maxFrameSize` ends the connection with FRAME_SIZE_ERROR.
 */
export class FrameParser {
  /** A frame header cut by the end of a read (fewer than 9 bytes). */
  #header = new Uint8Array(FRAME_HEADER_BYTES);
  #headerBytes = 0;
  /** The frame whose payload is being gathered, and how much of it came. */
  #pending?: Frame;
  #filled = 0;

  constructor(readonly maxFrameSize = DEFAULT_MAX_FRAME_SIZE) {}

  /** Takes `chunk` and returns every frame now complete, in order. */
  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      const pending = this.#pending;
      if (pending) {
        const take = Math.min(pending.payload.length - this.#filled, chunk.length - offset);
        pending.payload.set(chunk.subarray(offset, offset + take), this.#filled);
        this.#filled += take;
        offset += take;
        if (this.#filled < pending.payload.length) break;
        frames.push(pending);
        this.#pending = undefined;
        continue;
      }
      let header: Uint8Array;
      if (this.#headerBytes || chunk.length - offset < FRAME_HEADER_BYTES) {
        const take = Math.min(FRAME_HEADER_BYTES - this.#headerBytes, chunk.length - offset);
        this.#header.set(chunk.subarray(offset, offset + take), this.#headerBytes);
        this.#headerBytes += take;
        offset += take;
        if (this.#headerBytes < FRAME_HEADER_BYTES) break;
        this.#headerBytes = 0;
        header = this.#header;
      } else {
        header = chunk.subarray(offset, offset + FRAME_HEADER_BYTES);
        offset += FRAME_HEADER_BYTES;
      }
      const length = (header[0] << 16) | (header[1] << 8) | header[2];
      if (length > this.maxFrameSize) {
        throw new ConnectionError(
          ErrorCode.FRAME_SIZE_ERROR,
          `a frame of ${length} bytes exceeds SETTINGS_MAX_FRAME_SIZE ${this.maxFrameSize}`,
        );
      }
      const frame: Frame = {
        type: header[3],
        flags: header[4],
        streamId: new DataView(header.buffer, header.byteOffset + 5, 4).getUint32(0) &
          MAX_WINDOW_SIZE,
        payload: new Uint8Array(0),
      };
      if (chunk.length - offset >= length) {
        frame.payload = chunk.slice(offset, offset + length);
        offset += length;
        frames.push(frame);
      } else {
        frame.payload = new Uint8Array(length);
        this.#pending = frame;
        this.#filled = 0;
      }
    }
    return frames;
  }
}

/** The chunks as one array (the chunk itself when there is only one). */
export function joinBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const joined = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}
