/**
 * A hostile HTTP/2 server for the collector's tests, run as its own process:
 * `deno run --allow-net=127.0.0.1 hostile_h2_server.ts <mode>` listens on a
 * free port of 127.0.0.1, prints it, and treats every connection by `mode`
 * until stdin closes:
 *
 * - `continuation`: answers a request with HEADERS, then empty CONTINUATION
 *   frames without end;
 * - `headers`: the same with 1 KiB CONTINUATION fragments (a header block
 *   that never ends);
 * - `informational`: `:status 100` header blocks without end;
 * - `ping`: SETTINGS, then PING frames without end, never reading a byte of
 *   the client's;
 * - `slow`: the response headers, then one byte of body every 500 ms.
 */
import { encodeFrame, encodeSettings } from "../../shared/http2/frames.ts";
import { HeaderEncoder } from "../../shared/http2/hpack.ts";
import { Flag, FrameType } from "../../shared/http2/mod.ts";
import { rawH2Server, type RawPeer } from "./raw_h2_server.ts";
import { delay } from "../../shared/async/mod.ts";

type Mode = "continuation" | "headers" | "informational" | "ping" | "slow";

/** `frame` repeated into one write of about 64 KiB. */
function flood(frame: Uint8Array): Uint8Array {
  const count = Math.max(1, Math.floor(65_536 / frame.length));
  const bytes = new Uint8Array(count * frame.length);
  for (let index = 0; index < count; index++) bytes.set(frame, index * frame.length);
  return bytes;
}

/** Writes `bytes` again and again until the client closes the connection. */
async function endlessly(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  try {
    for (;;) await conn.write(bytes);
  } catch {
    // The client closed the connection: what this server waits for.
  }
}

/** The stream of the client's first request (its HEADERS frame). */
async function firstRequest(peer: RawPeer): Promise<number> {
  await peer.send(encodeSettings([]));
  return (await peer.frame((frame) => frame.type === FrameType.HEADERS)).streamId;
}

const encoder = new HeaderEncoder();
const statusBlock = (status: string) =>
  encoder.encode([[":status", status], ["content-type", "application/grpc"]]);

const SCRIPTS: Record<Exclude<Mode, "ping">, (peer: RawPeer) => Promise<void>> = {
  async continuation(peer) {
    const id = await firstRequest(peer);
    await peer.send(encodeFrame(FrameType.HEADERS, 0, id, statusBlock("200")));
    await endlessly(peer.conn, flood(encodeFrame(FrameType.CONTINUATION, 0, id)));
  },
  async headers(peer) {
    const id = await firstRequest(peer);
    await peer.send(encodeFrame(FrameType.HEADERS, 0, id, statusBlock("200")));
    const fragment = new Uint8Array(1024).fill(0x40);
    await endlessly(peer.conn, flood(encodeFrame(FrameType.CONTINUATION, 0, id, fragment)));
  },
  async informational(peer) {
    const id = await firstRequest(peer);
    const block = new HeaderEncoder().encode([[":status", "100"]]);
    await endlessly(peer.conn, flood(encodeFrame(FrameType.HEADERS, Flag.END_HEADERS, id, block)));
  },
  async slow(peer) {
    const id = await firstRequest(peer);
    await peer.send(encodeFrame(FrameType.HEADERS, Flag.END_HEADERS, id, statusBlock("200")));
    try {
      for (;;) {
        await delay(500);
        await peer.send(encodeFrame(FrameType.DATA, 0, id, new Uint8Array(1)));
      }
    } catch {
      // The client gave up on the call and closed, or reset and moved on.
    }
  },
};

/** Every connection flooded with PINGs; nothing the client sends is ever read. */
function pingServer(): { port: number; close(): Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const ping = flood(encodeFrame(FrameType.PING, 0, 0, new Uint8Array(8)));
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      conn.write(encodeSettings([])).then(() => endlessly(conn, ping), () => {}).finally(() =>
        conns.delete(conn)
      );
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      listener.close();
      await accepting;
      for (const conn of conns) conn.close();
    },
  };
}

if (import.meta.main) {
  const mode = Deno.args[0] as Mode;
  if (mode !== "ping" && !(mode in SCRIPTS)) {
    throw new Error(`unknown mode "${mode}": one of ping, ${Object.keys(SCRIPTS).join(", ")}`);
  }
  const server = mode === "ping" ? pingServer() : rawH2Server(SCRIPTS[mode]);
  console.log(server.port);
  // Runs until the test closes stdin.
  for await (const _ of Deno.stdin.readable) { /* nothing is read from the test */ }
  await server.close();
}
