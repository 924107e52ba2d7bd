/**
 * The main listener with mutual TLS: `node:tls` accepts the connection and
 * verifies the client certificate against the configured CA (`Deno.listenTls`
 * cannot ask for one; docs/ARCHITECTURE.md, "Platform facts"), ALPN agrees on
 * `h2`, and the authorised socket is served by the same HTTP/2 server
 * connection as the cleartext listener (gRPC, gRPC-Web and Connect). The
 * connection caps apply as each TCP connection is accepted, before any TLS
 * work; the handshake timeout covers the TLS handshake, then the server
 * connection's own timers take over. Closing stops accepting, sends GOAWAY on
 * every connection and cuts what is left at the deadline.
 *
 * @module
 */
import { createServer, type TLSSocket } from "node:tls";
import type { Socket } from "node:net";
import { log } from "../../shared/log.ts";
import type { TlsMaterial } from "../../shared/tls.ts";
import { ConnectionPool } from "./connection_pool.ts";
import { PeerCounts } from "./h2/peer_counts.ts";
import { type Listener, type ListenerOptions, socketHost } from "./listener.ts";
import { TlsSocketConn } from "./tls_socket_conn.ts";

const logger = log("aggregator", "tls");

export async function listenTls(
  options: ListenerOptions & { tls: TlsMaterial },
): Promise<Listener> {
  const { limits, tls } = options;
  const pool = new ConnectionPool(options);
  const counts = new PeerCounts(limits);
  const sockets = new Set<Socket>();
  /** Handshake timers by `address:port`, the same for the TCP socket and the TLS one over it. */
  const handshakes = new Map<string, ReturnType<typeof setTimeout>>();
  const server = createServer({
    key: tls.key,
    cert: tls.certificate,
    ca: tls.caCertificate,
    requestCert: true,
    rejectUnauthorized: true,
    ALPNProtocols: ["h2"],
  });
  server.on("connection", (socket: Socket) => {
    const peer = socket.remoteAddress ?? "";
    if (!counts.admit(peer)) return socket.destroy();
    sockets.add(socket);
    const key = peerKey(socket);
    handshakes.set(key, setTimeout(() => socket.destroy(), limits.handshakeTimeoutMs));
    socket.once("close", () => {
      clearTimeout(handshakes.get(key));
      handshakes.delete(key);
      sockets.delete(socket);
      counts.release(peer);
    });
  });
  server.on("secureConnection", (socket: TLSSocket) => {
    const key = peerKey(socket);
    clearTimeout(handshakes.get(key));
    handshakes.delete(key);
    // rejectUnauthorized already refused the others; this is the belt to its braces.
    if (!socket.authorized || socket.alpnProtocol !== "h2") return socket.destroy();
    socket.setNoDelay(true);
    pool.serve(new TlsSocketConn(socket));
  });
  server.on("tlsClientError", (error: Error, socket: TLSSocket) => {
    logger.debug("TLS handshake with {peer} failed: {error}", {
      peer: socket.remoteAddress,
      error: error.message,
    });
  });
  const host = socketHost(options.address);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.address.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (error: Error) => {
    logger.warn("the TLS listener failed to accept a connection: {error}", {
      error: error.message,
    });
  });
  return {
    description: `https ${host}:${options.address.port}`,
    async close(deadline: AbortSignal) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const cut = () => {
        for (const socket of sockets) socket.destroy();
      };
      deadline.addEventListener("abort", cut, { once: true });
      await pool.close(deadline);
      // Sockets still in their TLS handshake hold no call: they go now.
      cut();
      await closed;
      deadline.removeEventListener("abort", cut);
    },
  };
}

function peerKey(socket: { remoteAddress?: string; remotePort?: number }): string {
  return `${socket.remoteAddress}:${socket.remotePort}`;
}
