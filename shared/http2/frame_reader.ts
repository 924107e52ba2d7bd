/**
 * The inbound side of an HTTP/2 connection: bytes read from a `Deno.Conn` (or
 * any reader shaped like one) cut
 * into frames, a batch per read, after checking the client preface when this
 * end is the server. Ends when the peer closes; a malformed frame or preface
 * throws `ConnectionError`.
 *
 * @module
 */
import {
  CLIENT_PREFACE,
  ConnectionError,
  DEFAULT_MAX_FRAME_SIZE,
  ErrorCode,
  type Frame,
  FrameParser,
  joinBytes,
} from "./frames.ts";

/** What frames are read from: a `Deno.Conn`, or any duplex shaped like one. */
export interface Readable {
  read(buffer: Uint8Array): Promise<number | null>;
}

export interface FrameReaderOptions {
  /** The connection starts with the client preface (this end is the server). */
  clientPreface?: boolean;
  /**
   * Bytes asked of each read, 64 KiB by default: every frame of a read is cut
   * before any is handled, so a smaller read bounds what a flood of tiny frames
   * allocates before the handler can refuse it.
   */
  readBytes?: number;
}

/** The frames complete after each read of `conn`, in order. */
export async function* readFrames(
  conn: Readable,
  options: FrameReaderOptions = {},
): AsyncGenerator<Frame[]> {
  const parser = new FrameParser(DEFAULT_MAX_FRAME_SIZE);
  const buffer = new Uint8Array(options.readBytes ?? 64 * 1024);
  let preface = options.clientPreface ? new Uint8Array(0) : CLIENT_PREFACE;
  for (;;) {
    const read = await conn.read(buffer);
    if (read === null) return;
    let bytes = buffer.subarray(0, read);
    if (preface.length < CLIENT_PREFACE.length) {
      preface = joinBytes([preface, bytes]).slice();
      checkPreface(preface);
      if (preface.length < CLIENT_PREFACE.length) continue;
      bytes = preface.subarray(CLIENT_PREFACE.length);
    }
    yield parser.push(bytes);
  }
}

/** Throws PROTOCOL_ERROR as soon as the bytes read differ from the client preface. */
function checkPreface(bytes: Uint8Array): void {
  const length = Math.min(bytes.length, CLIENT_PREFACE.length);
  for (let index = 0; index < length; index++) {
    if (bytes[index] !== CLIENT_PREFACE[index]) {
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        /^[A-Z]+ \S* HTTP\/1/.test(new TextDecoder().decode(bytes.subarray(0, 64)))
          ? "HTTP/1.1 is not served here: HTTP/2 with prior knowledge only"
          : "not the HTTP/2 client preface",
      );
    }
  }
}
