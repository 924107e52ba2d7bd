/**
 * The HTTP/2 connections of one main listener, cleartext or TLS: each socket
 * handed over becomes a server connection (aggregator/server/h2/) serving
 * gRPC, gRPC-Web and Connect, and closing the pool sends GOAWAY on every
 * connection so calls in progress finish, then cuts what is left at the
 * deadline. How sockets are accepted and counted is the listener's job.
 *
 * @module
 */
import { createContextValues } from "@connectrpc/connect";
import { processBudget } from "../../shared/http2/mod.ts";
import { HTTP_VERSION } from "./host_alias.ts";
import { type ListenerOptions, socketHost } from "./listener.ts";
import { dispatcher } from "./h2/dispatch.ts";
import { ServerConnection, type ServerConnectionOptions } from "./h2/server_connection.ts";

/** A gRPC message's 5-byte envelope header, allowed on top of `readMaxBytes`. */
const ENVELOPE_HEADER_BYTES = 5;

export class ConnectionPool {
  #options: ServerConnectionOptions;
  #connections = new Set<ServerConnection>();

  /**
   * `budgetBackOffMs`: how long a connection the memory budget turned away
   * is not read (see ServerConnectionOptions).
   */
  constructor(options: ListenerOptions, budgetBackOffMs: number) {
    this.#options = {
      limits: options.limits,
      maxBodyBytes: options.readMaxBytes + ENVELOPE_HEADER_BYTES,
      handle: dispatcher(options),
      contextValues: () => createContextValues().set(HTTP_VERSION, "2.0"),
      authority: `${options.address.host || socketHost(options.address)}:${options.address.port}`,
      // One budget for the process: the cleartext and TLS listeners draw on it alike.
      budget: processBudget(),
      budgetBackOffMs,
    };
  }

  /** Serves HTTP/2 on `conn`; resolves once the connection is closed. */
  serve(conn: Deno.Conn): Promise<void> {
    const connection = new ServerConnection(conn, this.#options);
    this.#connections.add(connection);
    return connection.done.then(() => {
      this.#connections.delete(connection);
    });
  }

  /** GOAWAY on every connection; those still open when `deadline` aborts are cut. */
  async close(deadline: AbortSignal): Promise<void> {
    const open = [...this.#connections];
    for (const connection of open) connection.shutdown();
    const cut = () => {
      for (const connection of open) connection.destroy();
    };
    if (deadline.aborted) cut();
    else deadline.addEventListener("abort", cut, { once: true });
    await Promise.all(open.map((connection) => connection.done));
    deadline.removeEventListener("abort", cut);
  }
}
