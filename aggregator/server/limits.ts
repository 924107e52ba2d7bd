/**
 * What one client may cost the aggregator's node:http2 listener (the TLS one;
 * cleartext is served by aggregator/server/h2/, which enforces the same
 * limits in its own connection loop), and the
 * guards that hold it to that (docs/ARCHITECTURE.md, "Platform facts"):
 *
 * - `AGGREGATOR_MAX_CONNECTIONS` (default 1024) and
 *   `AGGREGATOR_MAX_CONNECTIONS_PER_PEER` (default 256): a TCP connection over
 *   either count is destroyed as it is accepted, before any HTTP/2 state
 *   exists for it.
 * - `AGGREGATOR_MAX_CONCURRENT_STREAMS` (default 100): advertised in SETTINGS;
 *   a session that opens more streams than that at once is destroyed (each
 *   open stream holds tens of KiB of JS heap, and ten thousand of them end the
 *   process out of memory).
 * - `AGGREGATOR_MAX_STREAM_RESETS` (default 200 per 10 s): a session whose
 *   client resets more streams than that (HTTP/2 rapid reset, CVE-2023-44487)
 *   is destroyed.
 * - `AGGREGATOR_HANDSHAKE_TIMEOUT` (default 10s): a connection that has not
 *   opened its first stream by then is destroyed (silent TCP, slow TLS).
 * - `AGGREGATOR_IDLE_TIMEOUT` (default 5m, above the collector's publish
 *   interval): a connection with no stream open for that long gets GOAWAY.
 * - `AGGREGATOR_REQUEST_TIMEOUT` (default 15s): a call not answered by then
 *   (a body trickled in byte by byte) has its stream cancelled.
 *
 * A call answered before its body ended (an over-size body) has the rest of
 * its stream reset with NO_ERROR, so the client stops sending and is not left
 * waiting for a flow-control window that never opens.
 *
 * @module
 */
import {
  constants,
  type Http2SecureServer,
  type Http2Server,
  type Http2Session,
  type ServerHttp2Stream,
} from "node:http2";
import type { Socket } from "node:net";
import type { ListenerLimits } from "../../shared/config/mod.ts";

/** The window `maxStreamResets` counts in. */
export const RESET_WINDOW_MS = 10_000;

/** How long a session told to go away (idle) may take before it is destroyed. */
const GOAWAY_GRACE_MS = 5_000;

/** The node:http2 server options that put the limits in SETTINGS. */
export function http2Settings(limits: ListenerLimits) {
  return {
    settings: { maxConcurrentStreams: limits.maxConcurrentStreams },
    maxHeaderListPairs: 128,
    maxSessionMemory: 10,
  };
}

/**
 * Counts every accepted socket, total and per remote address, and destroys
 * those over the limits at once; the others must open a stream within the
 * handshake timeout. Sockets still open are in the returned set.
 */
export function guardConnections(
  server: Http2Server | Http2SecureServer,
  limits: ListenerLimits,
): Set<Socket> {
  const sockets = new Set<Socket>();
  const perPeer = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const peer = socket.remoteAddress ?? "";
    const count = perPeer.get(peer) ?? 0;
    if (sockets.size >= limits.maxConnections || count >= limits.maxConnectionsPerPeer) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    perPeer.set(peer, count + 1);
    const key = peerKey(socket);
    handshakes.set(key, setTimeout(() => socket.destroy(), limits.handshakeTimeoutMs));
    socket.once("close", () => {
      handshakeDone(socket);
      sockets.delete(socket);
      const left = (perPeer.get(peer) ?? 1) - 1;
      if (left > 0) perPeer.set(peer, left);
      else perPeer.delete(peer);
    });
  });
  return sockets;
}

/** Handshake timers by `address:port`, the same for a TCP socket and the TLS socket over it. */
const handshakes = new Map<string, ReturnType<typeof setTimeout>>();

function peerKey(socket: { remoteAddress?: string; remotePort?: number }): string {
  return `${socket.remoteAddress}:${socket.remotePort}`;
}

/** Ends the handshake timeout of the connection `socket` belongs to: its first request came. */
export function handshakeDone(socket: { remoteAddress?: string; remotePort?: number }): void {
  const key = peerKey(socket);
  clearTimeout(handshakes.get(key));
  handshakes.delete(key);
}

/**
 * Watches one HTTP/2 session: ends the handshake timer at its first stream,
 * destroys it past the concurrent-stream or reset budget, and sends GOAWAY
 * after the idle timeout without an open stream.
 */
export function guardSession(session: Http2Session, limits: ListenerLimits): void {
  let open = 0;
  let resets = 0;
  let windowStart = Date.now();
  let idle: ReturnType<typeof setTimeout> | undefined;
  const armIdle = () => {
    idle = setTimeout(() => {
      session.close();
      setTimeout(() => session.destroy(), GOAWAY_GRACE_MS).unref?.();
    }, limits.idleTimeoutMs);
  };
  armIdle();
  session.once("close", () => clearTimeout(idle));
  session.on("stream", (stream: ServerHttp2Stream) => {
    if (session.socket) handshakeDone(session.socket);
    clearTimeout(idle);
    open++;
    if (open > limits.maxConcurrentStreams) {
      session.destroy(undefined, constants.NGHTTP2_ENHANCE_YOUR_CALM);
      return;
    }
    stream.once("close", () => {
      open--;
      if (stream.rstCode !== undefined && stream.rstCode !== constants.NGHTTP2_NO_ERROR) {
        const now = Date.now();
        if (now - windowStart > RESET_WINDOW_MS) {
          windowStart = now;
          resets = 0;
        }
        if (++resets > limits.maxStreamResets) {
          session.destroy(undefined, constants.NGHTTP2_ENHANCE_YOUR_CALM);
          return;
        }
      }
      if (open === 0 && !session.closed && !session.destroyed) armIdle();
    });
  });
}

/**
 * Bounds one call on `stream`: cancels it when not answered within the request
 * timeout, and resets a stream still open once its response is sent — the
 * client is still sending a body the response did not wait for. (A stream
 * both sides ended closes on its own; Deno's node:http2 has no `stream.state`
 * to ask, so the check waits for the next turn.)
 */
export function guardStream(stream: ServerHttp2Stream, limits: ListenerLimits): void {
  const close = (code: number) => {
    if (!stream.closed && !stream.destroyed) stream.close(code);
  };
  const deadline = setTimeout(() => close(constants.NGHTTP2_CANCEL), limits.requestTimeoutMs);
  stream.once("close", () => clearTimeout(deadline));
  stream.once("finish", () => {
    clearTimeout(deadline);
    setTimeout(() => close(constants.NGHTTP2_NO_ERROR), ANSWERED_GRACE_MS);
  });
}

/** How long after its response a stream may take to close on its own. */
const ANSWERED_GRACE_MS = 100;
