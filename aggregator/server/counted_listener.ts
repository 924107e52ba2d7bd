/**
 * What the cleartext and the TLS main listeners share: `Deno.listen` with the
 * accept loop that survives EMFILE, the connection caps applied to each TCP
 * connection as it is accepted, and a pool of HTTP/2 server connections.
 * Closing stops accepting, sends GOAWAY on every connection so calls in
 * progress finish, and cuts what is left at the deadline.
 *
 * @module
 */
import { acceptEach } from "./accept_loop.ts";
import type { ConnectionPool } from "./connection_pool.ts";
import { PeerCounts } from "./h2/peer_counts.ts";
import { type Listener, type ListenerOptions, socketHost } from "./listener.ts";

export interface AdmittedConnections {
  /** Serves one admitted connection (through the pool); resolves once it is closed. */
  serve(conn: Deno.TcpConn): Promise<void>;
  /** After the pool closed: ends what the pool does not hold (e.g. handshakes). */
  closed?(): void;
}

export function listenCounted(
  options: ListenerOptions,
  scheme: string,
  pool: ConnectionPool,
  admitted: AdmittedConnections,
): Promise<Listener> {
  const host = socketHost(options.address);
  const server = Deno.listen({ hostname: host, port: options.address.port });
  const description = `${scheme} ${host}:${options.address.port}`;
  const counts = new PeerCounts(options.limits);
  const stopped = new AbortController();
  const accepting = acceptEach(server, description, stopped.signal, (conn) => {
    const peer = conn.remoteAddr.hostname;
    if (!counts.admit(peer)) return conn.close();
    conn.setNoDelay(true);
    admitted.serve(conn).then(() => counts.release(peer));
  });
  return Promise.resolve({
    description,
    async close(deadline: AbortSignal) {
      stopped.abort();
      server.close();
      await accepting;
      await pool.close(deadline);
      admitted.closed?.();
    },
  });
}
