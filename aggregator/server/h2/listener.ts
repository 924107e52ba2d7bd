/**
 * The main listener in cleartext: the project's own HTTP/2 server (prior
 * knowledge) on `Deno.listen`, serving gRPC, gRPC-Web and Connect on one
 * port, with connection limits applied as each TCP connection is accepted
 * (counted_listener.ts) and the stream and time limits inside each
 * connection.
 *
 * @module
 */
import { ConnectionPool } from "../connection_pool.ts";
import { listenCounted } from "../counted_listener.ts";
import type { Listener, ListenerOptions } from "../listener.ts";

export function listenH2c(options: ListenerOptions): Promise<Listener> {
  const pool = new ConnectionPool(options);
  return listenCounted(options, "h2c", pool, { serve: (conn) => pool.serve(conn) });
}
