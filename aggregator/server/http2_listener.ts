/**
 * The main listener, on node:http2 because plain gRPC needs HTTP trailers:
 * gRPC, gRPC-Web and Connect on one port. Cleartext is HTTP/2 only (prior
 * knowledge); with TLS it also speaks HTTP/1.1 and requires a client
 * certificate signed by the configured CA. Requests are accepted uncompressed
 * or gzip-compressed only: gzip stops inflating at the request size limit,
 * while Deno's brotli inflates megabytes before the limit applies. Every
 * connection, session and stream is held to the limits in limits.ts. Closing sends GOAWAY to every
 * session so clients finish their calls and go, and destroys what is left at
 * the deadline.
 *
 * @module
 */
import {
  createSecureServer,
  createServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from "node:http2";
import { createContextValues } from "@connectrpc/connect";
import { compressionGzip, connectNodeAdapter } from "@connectrpc/connect-node";
import type { TlsMaterial } from "../../shared/tls.ts";
import { nodeHealthHandler } from "./health.ts";
import { HTTP_VERSION } from "./host_alias.ts";
import { type Listener, type ListenerOptions, socketHost } from "./listener.ts";
import {
  guardConnections,
  guardSession,
  guardStream,
  handshakeDone,
  http2Settings,
} from "./limits.ts";

export async function listenHttp2(
  options: ListenerOptions & { tls?: TlsMaterial },
): Promise<Listener> {
  const limits = options.limits;
  const adapter = connectNodeAdapter({
    routes: options.routes,
    readMaxBytes: options.readMaxBytes,
    acceptCompression: [compressionGzip],
    fallback: nodeHealthHandler(options.serving),
    contextValues: (request) => createContextValues().set(HTTP_VERSION, request.httpVersion),
  });
  const handler = (request: Http2ServerRequest, response: Http2ServerResponse) => {
    if (request.stream) guardStream(request.stream, limits);
    else {
      // HTTP/1.1 (TLS only): one request at a time; a late one loses its socket.
      handshakeDone(request.socket);
      const deadline = setTimeout(() => request.socket.destroy(), limits.requestTimeoutMs);
      response.once("close", () => clearTimeout(deadline));
    }
    adapter(request, response);
  };
  const tls = options.tls;
  const server = tls
    ? createSecureServer({
      ...http2Settings(limits),
      allowHTTP1: true,
      requestCert: true,
      rejectUnauthorized: true,
      ca: tls.caCertificate,
      cert: tls.certificate,
      key: tls.key,
    }, handler)
    : createServer(http2Settings(limits), handler);
  const sessions = new Set<Http2Session>();
  const sockets = guardConnections(server, limits);
  server.on("session", (session: Http2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    guardSession(session, limits);
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
