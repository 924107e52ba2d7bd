/**
 * The main listener in cleartext: the project's own HTTP/2 server (prior
 * knowledge) on `Deno.listen`, serving gRPC, gRPC-Web and Connect on one
 * port, with connection limits applied as each TCP connection is accepted
 * and the stream and time limits inside each connection. Closing stops
 * accepting, sends GOAWAY on every connection so calls in progress finish, and
 * cuts what is left at the deadline.
 *
 * @module
 */
import { acceptEach } from "../accept_loop.ts";
import { ConnectionPool } from "../connection_pool.ts";
import { type Listener, type ListenerOptions, socketHost } from "../listener.ts";
import { PeerCounts } from "./peer_counts.ts";

export function listenH2c(options: ListenerOptions): Promise<Listener> {
  const host = socketHost(options.address);
  const server = Deno.listen({ hostname: host, port: options.address.port });
  const description = `h2c ${host}:${options.address.port}`;
  const pool = new ConnectionPool(options);
  const counts = new PeerCounts(options.limits);
  const stopped = new AbortController();
  const accepting = acceptEach(server, description, stopped.signal, (conn) => {
    const peer = conn.remoteAddr.hostname;
    if (!counts.admit(peer)) return conn.close();
    conn.setNoDelay(true);
    pool.serve(conn).then(() => counts.release(peer));
  });
  return Promise.resolve({
    description,
    async close(deadline: AbortSignal) {
      stopped.abort();
      server.close();
      await accepting;
      await pool.close(deadline);
    },
  });
}
