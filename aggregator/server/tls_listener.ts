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
import { ReadGate } from "./read_gate.ts";
import { TlsSocketConn } from "./tls_socket_conn.ts";

const logger = log("aggregator", "tls");

/**
 * A connection the memory budget turned away is not read for this long;
 * once 16 KiB of it wait decrypted, the reads of its socket are held too, so
 * its bytes wait in the kernel and TCP holds the sender back. Longer than in
 * cleartext (50 ms): each byte costs more over TLS, and at 50 ms 150 such
 * connections still kept the process busy, so a call on another connection,
 * whose handshake needs turns of the event loop, waited seconds
 * (BENCHMARKS.md, "Diagnosis of 2026-12-02").
 */
const BUDGET_BACK_OFF_MS = 1_000;

export function listenTls(options: ListenerOptions & { tls: TlsMaterial }): Promise<Listener> {
  const { limits, tls } = options;
  const pool = new ConnectionPool(options, BUDGET_BACK_OFF_MS);
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
    // The handshake completed as the bytes read through the socket's gate were handed over.
    const gate = ReadGate.current();
    if (!gate) {
      logger.error("a TLS connection whose reads cannot be held: closed");
      return socket.destroy();
    }
    pool.serve(new TlsSocketConn(socket, { gate }));
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
