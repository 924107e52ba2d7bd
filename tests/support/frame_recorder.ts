/**
 * The far end of an in-memory HTTP/2 connection in unit tests: it writes raw
 * frames to the connection under test and records every frame that comes
 * back (after the client preface, when the connection under test is a client
 * and sends one), so a test can wait for the first frame that matches.
 *
 * @module
 */
import {
  CLIENT_PREFACE,
  errorCodeName,
  type Frame,
  FrameParser,
  FrameType,
  joinBytes,
} from "../../shared/http2/frames.ts";
import type { MemorySocket } from "./memory_socket.ts";
import { deadline } from "../../shared/async/mod.ts";

export class FrameRecorder {
  readonly frames: Frame[] = [];
  #socket: MemorySocket;
  #changed = Promise.withResolvers<void>();
  #ended = false;

  /** `socket` is the test's end; `preface` when the other end sends the client preface first. */
  constructor(socket: MemorySocket, preface = false) {
    this.#socket = socket;
    this.#read(preface ? CLIENT_PREFACE.length : 0);
  }

  async send(...frames: Uint8Array[]): Promise<void> {
    await this.#socket.write(joinBytes(frames));
  }

  /** The first frame received that matches, waiting at most 2 s. */
  async next(match: (frame: Frame) => boolean, what: string): Promise<Frame> {
    const endMs = Date.now() + 2_000;
    for (;;) {
      const frame = this.frames.find(match);
      if (frame) return frame;
      if (this.#ended || Date.now() > endMs) {
        throw new Error(`no ${what}; got ${this.frames.map((f) => f.type).join(",")}`);
      }
      await deadline(this.#changed.promise, 50, () => {});
    }
  }

  /** The GOAWAY's error code, by name. */
  async goaway(): Promise<string> {
    const frame = await this.next((frame) => frame.type === FrameType.GOAWAY, "GOAWAY");
    return errorCodeName(new DataView(frame.payload.buffer, frame.payload.byteOffset).getUint32(4));
  }

  /** The RST_STREAM on `id`: its error code, by name. */
  async reset(id: number): Promise<string> {
    const frame = await this.next(
      (frame) => frame.type === FrameType.RST_STREAM && frame.streamId === id,
      `RST_STREAM on ${id}`,
    );
    return errorCodeName(new DataView(frame.payload.buffer, frame.payload.byteOffset).getUint32(0));
  }

  async #read(preface: number): Promise<void> {
    const parser = new FrameParser(1 << 20);
    const buffer = new Uint8Array(64 * 1024);
    for (;;) {
      const read = await this.#socket.read(buffer).catch(() => null);
      if (read === null) break;
      const skipped = Math.min(preface, read);
      preface -= skipped;
      this.frames.push(...parser.push(buffer.subarray(skipped, read)));
      this.#changed.resolve();
      this.#changed = Promise.withResolvers();
    }
    this.#ended = true;
    this.#changed.resolve();
  }
}
