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
import { createContextValues } from "@connectrpc/connect";
import { delay } from "../../../shared/delay.ts";
import { processBudget } from "../../../shared/http2/mod.ts";
import { log } from "../../../shared/log.ts";
import { HTTP_VERSION } from "../host_alias.ts";
import { type Listener, type ListenerOptions, socketHost } from "../listener.ts";
import { dispatcher } from "./dispatch.ts";
import { PeerCounts } from "./peer_counts.ts";
import { ServerConnection } from "./server_connection.ts";

const logger = log("aggregator", "h2");

/** A gRPC message's 5-byte envelope header, allowed on top of `readMaxBytes`. */
const ENVELOPE_HEADER_BYTES = 5;
/** Pause after a failed accept (e.g. out of file descriptors) before the next. */
const ACCEPT_RETRY_MS = 100;

export function listenH2c(options: ListenerOptions): Promise<Listener> {
  const host = socketHost(options.address);
  const server = Deno.listen({ hostname: host, port: options.address.port });
  const connectionOptions = {
    limits: options.limits,
    maxBodyBytes: options.readMaxBytes + ENVELOPE_HEADER_BYTES,
    handle: dispatcher(options),
    contextValues: () => createContextValues().set(HTTP_VERSION, "2.0"),
    authority: `${options.address.host || host}:${options.address.port}`,
    budget: processBudget(),
  };
  const connections = new Set<ServerConnection>();
  const counts = new PeerCounts(options.limits);
  const stopped = new AbortController();
  const accepting = (async () => {
    while (!stopped.signal.aborted) {
      let conn: Deno.TcpConn;
      try {
        conn = await server.accept();
      } catch (error) {
        if (stopped.signal.aborted || error instanceof Deno.errors.BadResource) return;
        logger.warn("accepting a connection failed: {error}", { error: String(error) });
        await delay(ACCEPT_RETRY_MS, { signal: stopped.signal });
        continue;
      }
      const peer = conn.remoteAddr.hostname;
      if (!counts.admit(peer)) {
        conn.close();
        continue;
      }
      conn.setNoDelay(true);
      const connection = new ServerConnection(conn, connectionOptions);
      connections.add(connection);
      connection.done.then(() => {
        connections.delete(connection);
        counts.release(peer);
      });
    }
  })();
  return Promise.resolve({
    description: `h2c ${host}:${options.address.port}`,
    async close(deadline: AbortSignal) {
      stopped.abort();
      server.close();
      await accepting;
      const open = [...connections];
      for (const connection of open) connection.shutdown();
      const cut = () => {
        for (const connection of open) connection.destroy();
      };
      if (deadline.aborted) cut();
      else deadline.addEventListener("abort", cut, { once: true });
      await Promise.all(open.map((connection) => connection.done));
      deadline.removeEventListener("abort", cut);
    },
  });
}
