/**
 * The main listener with mutual TLS. Connections are accepted on
 * `Deno.listen` by the same accept loop as the cleartext listener (it
 * survives EMFILE) and counted against the connection caps before any TLS
 * work; each is then handed to a `node:tls` server that never listens itself.
 * `node:tls` verifies the client certificate against the configured CA and
 * agrees on ALPN `h2` (`Deno.listenTls` cannot ask for a client certificate;
 * docs/ARCHITECTURE.md, "Platform facts"), within the handshake timeout. The
 * authorised socket is served by the same HTTP/2 server connection as in
 * cleartext (gRPC, gRPC-Web and Connect), whose own timers then apply.
 * Closing stops accepting, sends GOAWAY on every connection and cuts what is
 * left at the deadline.
 *
 * @module
 */
import type { Duplex } from "node:stream";
import { createServer, type TLSSocket } from "node:tls";
import { log } from "../../shared/log.ts";
import type { TlsMaterial } from "../../shared/tls.ts";
import { connDuplex } from "./conn_duplex.ts";
import { ConnectionPool } from "./connection_pool.ts";
import { listenCounted } from "./counted_listener.ts";
import type { Listener, ListenerOptions } from "./listener.ts";
import { TlsSocketConn } from "./tls_socket_conn.ts";

const logger = log("aggregator", "tls");

export function listenTls(options: ListenerOptions & { tls: TlsMaterial }): Promise<Listener> {
  const { limits, tls } = options;
  // Not read means decrypted into memory by node:tls meanwhile: a TLS connection the budget
  // turned away is read on, its refused streams' bytes dropped as they come.
  const pool = new ConnectionPool(options, 0);
  const tlsServer = createServer({
    key: tls.key,
    cert: tls.certificate,
    ca: tls.caCertificate,
    requestCert: true,
    rejectUnauthorized: true,
    ALPNProtocols: ["h2"],
    handshakeTimeout: limits.handshakeTimeoutMs,
  });
  tlsServer.on("secureConnection", (socket: TLSSocket) => {
    // rejectUnauthorized already refused the others; this is the belt to its braces.
    if (!socket.authorized || socket.alpnProtocol !== "h2") return socket.destroy();
    pool.serve(new TlsSocketConn(socket));
  });
  tlsServer.on("tlsClientError", (error: Error, socket: TLSSocket) => {
    logger.debug("a TLS handshake failed: {error}", { error: error.message });
    socket.destroy();
  });
  /** Connections not closed yet, from accept on (the TLS handshake included). */
  const duplexes = new Set<Duplex>();
  return listenCounted(options, "https", pool, {
    serve(conn) {
      const duplex = connDuplex(conn);
      duplexes.add(duplex);
      const closed = new Promise<void>((resolve) => duplex.once("close", resolve));
      tlsServer.emit("connection", duplex);
      return closed.then(() => {
        duplexes.delete(duplex);
      });
    },
    // What is left after the pool closed holds no call: handshakes in progress.
    closed() {
      for (const duplex of duplexes) duplex.destroy();
    },
  });
}
