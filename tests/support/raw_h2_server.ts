/**
 * A scripted HTTP/2 server on Deno.listen (127.0.0.1) for client tests: for
 * each connection it reads the client preface and frames, and runs the test's
 * script, which waits for the request and answers with whatever frames (or
 * bytes, or a closed socket) the case needs.
 */
import {
  CLIENT_PREFACE,
  encodeFrame,
  encodeSettings,
  FrameParser,
} from "../../shared/http2/frames.ts";
import { HeaderEncoder } from "../../shared/http2/hpack.ts";
import { Flag, type Frame, FrameType, type HeaderField } from "../../shared/http2/mod.ts";
import { deadline } from "../../shared/async/mod.ts";

export class RawPeer {
  /** Every frame the client sent on this connection. */
  readonly frames: Frame[] = [];
  #parser = new FrameParser(1 << 24);
  #encoder = new HeaderEncoder();
  #arrived = Promise.withResolvers<void>();
  #buffer = new Uint8Array(0);

  constructor(readonly conn: Deno.Conn) {
    this.#read();
  }

  async #read(): Promise<void> {
    const chunk = new Uint8Array(65_536);
    let prefaceSeen = false;
    try {
      for (;;) {
        const n = await this.conn.read(chunk);
        if (n === null) break;
        let bytes = chunk.slice(0, n);
        if (!prefaceSeen) {
          this.#buffer = Uint8Array.from([...this.#buffer, ...bytes]);
          if (this.#buffer.length < CLIENT_PREFACE.length) continue;
          bytes = this.#buffer.subarray(CLIENT_PREFACE.length);
          prefaceSeen = true;
        }
        this.frames.push(...this.#parser.push(bytes));
        this.#arrived.resolve();
        this.#arrived = Promise.withResolvers();
      }
    } catch {
      // Closed by the script.
    }
    this.#arrived.resolve();
  }

  /** Resolves with the first frame matching `test`, waiting up to 5 s. */
  async frame(test: (frame: Frame) => boolean): Promise<Frame> {
    const endMs = Date.now() + 5_000;
    for (;;) {
      const found = this.frames.find(test);
      if (found) return found;
      if (Date.now() > endMs) throw new Error("the expected frame never came");
      await deadline(this.#arrived.promise, 100, () => {});
    }
  }

  /** The stream id of the client's next complete request (its DATA with END_STREAM). */
  async request(after = 0): Promise<number> {
    const end = await this.frame((f) =>
      f.type === FrameType.DATA && (f.flags & Flag.END_STREAM) !== 0 && f.streamId > after
    );
    return end.streamId;
  }

  send(...chunks: Uint8Array[]): Promise<void> {
    return this.conn.write(Uint8Array.from(chunks.flatMap((c) => [...c]))).then(() => {});
  }

  settings(): Uint8Array {
    return encodeSettings([]);
  }

  headers(streamId: number, fields: HeaderField[], flags = 0): Uint8Array {
    return encodeFrame(
      FrameType.HEADERS,
      flags | Flag.END_HEADERS,
      streamId,
      this.#encoder.encode(fields),
    );
  }

  /** A whole successful gRPC response (empty PublishResponse) on `streamId`. */
  ok(streamId: number): Uint8Array[] {
    return [
      this.headers(streamId, [[":status", "200"], ["content-type", "application/grpc"]]),
      encodeFrame(FrameType.DATA, 0, streamId, new Uint8Array(5)),
      this.headers(streamId, [["grpc-status", "0"]], Flag.END_STREAM),
    ];
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }
}

export interface RawServer {
  port: number;
  peers: RawPeer[];
  close(): Promise<void>;
}

/** Listens on `port` (0: a free one) and runs `script` on each connection, in order of arrival. */
export function rawH2Server(
  script: (peer: RawPeer, index: number) => Promise<void>,
  port = 0,
): RawServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  const peers: RawPeer[] = [];
  const scripts: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      const peer = new RawPeer(conn);
      peers.push(peer);
      scripts.push(script(peer, peers.length - 1).catch(() => {}));
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    peers,
    async close() {
      listener.close();
      await accepting;
      peers.forEach((peer) => peer.close());
      await Promise.all(scripts);
    },
  };
}
