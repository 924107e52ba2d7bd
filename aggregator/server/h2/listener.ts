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

/**
 * A connection the memory budget turned away is not read for this long, its
 * bytes left in the kernel (TCP holds the sender back), so others — new
 * connections first — are served while the budget is spent: with 150
 * connections of 100 streams each, a call on another connection answered in
 * about 0.25 s instead of over 1 s at load 5.
 */
const BUDGET_BACK_OFF_MS = 50;

export function listenH2c(options: ListenerOptions): Promise<Listener> {
  const pool = new ConnectionPool(options, BUDGET_BACK_OFF_MS);
  return listenCounted(options, "h2c", pool, { serve: (conn) => pool.serve(conn) });
}
