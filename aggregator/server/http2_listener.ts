/**
 * The main listener, on node:http2 because plain gRPC needs HTTP trailers:
 * gRPC, gRPC-Web and Connect on one port. Cleartext is HTTP/2 only (prior
 * knowledge); with TLS it also speaks HTTP/1.1 and requires a client
 * certificate signed by the configured CA. Closing sends GOAWAY to every
 * session so clients finish their calls and go, and destroys what is left at
 * the deadline.
 *
 * @module
 */
import { createSecureServer, createServer, type Http2Session } from "node:http2";
import type { Socket } from "node:net";
import { createContextValues } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { TlsMaterial } from "../../shared/tls.ts";
import { nodeHealthHandler } from "./health.ts";
import { HTTP_VERSION } from "./host_alias.ts";
import { type Listener, type ListenerOptions, socketHost } from "./listener.ts";

export async function listenHttp2(
  options: ListenerOptions & { tls?: TlsMaterial },
): Promise<Listener> {
  const handler = connectNodeAdapter({
    routes: options.routes,
    readMaxBytes: options.readMaxBytes,
    fallback: nodeHealthHandler(options.serving),
    contextValues: (request) => createContextValues().set(HTTP_VERSION, request.httpVersion),
  });
  const tls = options.tls;
  const server = tls
    ? createSecureServer({
      allowHTTP1: true,
      requestCert: true,
      rejectUnauthorized: true,
      ca: tls.caCertificate,
      cert: tls.certificate,
      key: tls.key,
    }, handler)
    : createServer(handler);
  const sessions = new Set<Http2Session>();
  const sockets = new Set<Socket>();
  server.on("session", (session: Http2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  const host = socketHost(options.address);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.address.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    description: `${tls ? "https" : "http2"} ${host}:${options.address.port}`,
    async close(deadline: AbortSignal) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      const cut = () => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      };
      if (deadline.aborted) cut();
      else deadline.addEventListener("abort", cut, { once: true });
      await closed;
      deadline.removeEventListener("abort", cut);
    },
  };
}
