/**
 * The optional second listener (`AGGREGATOR_CONNECT_LISTEN_ADDRESS`) on
 * Deno.serve, several times faster than node:http2 for Connect: it serves
 * Connect and gRPC-Web (Deno.serve cannot send the HTTP trailers plain gRPC
 * needs) and `GET /healthz`, with the same Publish implementation.
 * Deno.serve does not tell a call's HTTP version, so this listener reports
 * none, and a `host` header is never a tag here (see host_alias.ts).
 *
 * @module
 */
import { createConnectRouter } from "@connectrpc/connect";
import { createFetchHandler } from "@connectrpc/connect/protocol";
import { HEALTHZ_PATH, healthzResponse } from "./health.ts";
import { type Listener, type ListenerOptions, socketHost } from "./listener.ts";

export async function listenFetch(options: ListenerOptions): Promise<Listener> {
  const router = createConnectRouter({ grpc: false, readMaxBytes: options.readMaxBytes });
  options.routes(router);
  const handlers = new Map(
    router.handlers.map((handler) => [handler.requestPath, createFetchHandler(handler)]),
  );
  const host = socketHost(options.address);
  const { promise: listening, resolve } = Promise.withResolvers<void>();
  const server = Deno.serve({
    hostname: host,
    port: options.address.port,
    onListen: () => resolve(),
  }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === HEALTHZ_PATH) return healthzResponse(options.serving);
    const handler = handlers.get(path);
    return handler ? handler(request) : new Response("not found\n", { status: 404 });
  });
  await listening;
  return {
    description: `connect ${host}:${options.address.port}`,
    // Publish calls end as soon as their commit does, so a graceful shutdown is
    // short and needs no deadline.
    close: () => server.shutdown(),
  };
}
