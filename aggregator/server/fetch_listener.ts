/**
 * The optional second listener (`AGGREGATOR_CONNECT_LISTEN_ADDRESS`) on
 * Deno.serve, for clients that speak HTTP/1.1 (or fetch's HTTP/2): it serves
 * Connect and gRPC-Web (Deno.serve cannot send the HTTP trailers plain gRPC
 * needs) and `GET /healthz`, with the same Publish implementation.
 * Deno.serve does not tell a call's HTTP version, so this listener reports
 * none, and a `host` header is never a tag here (see host_alias.ts).
 * Requests are accepted uncompressed only (connect's router accepts no
 * encoding unless told). A call not answered within
 * `AGGREGATOR_REQUEST_TIMEOUT` (a body trickled in) is answered
 * `deadline_exceeded`; connection and stream limits are Deno.serve's own
 * (hyper), not yet measured by the attack suite, and unlike the other
 * listeners it does not survive running out of file descriptors.
 *
 * @module
 */
import { createConnectRouter } from "@connectrpc/connect";
import { createFetchHandler } from "@connectrpc/connect/protocol";
import { HEALTHZ_PATH, healthzResponse } from "./health.ts";
import { type Listener, type ListenerOptions, socketHost } from "./listener.ts";
import { routeTable } from "./route_table.ts";
import { deadline } from "../../shared/async/mod.ts";

export async function listenFetch(options: ListenerOptions): Promise<Listener> {
  const router = createConnectRouter({ grpc: false, readMaxBytes: options.readMaxBytes });
  options.routes(router);
  const handlers = new Map(
    [...routeTable(router.handlers)].map(([path, handler]) => [path, createFetchHandler(handler)]),
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
    if (!handler) return new Response("not found\n", { status: 404 });
    return answeredWithin(handler(request), options.limits.requestTimeoutMs);
  });
  await listening;
  return {
    description: `connect ${host}:${options.address.port}`,
    // Publish calls end as soon as their commit does, so a graceful shutdown is
    // short and needs no deadline.
    close: () => server.shutdown(),
  };
}

/** The handler's response, or a Connect `deadline_exceeded` error once `ms` have passed. */
function answeredWithin(response: Promise<Response>, ms: number): Promise<Response> {
  return deadline(response, ms, () =>
    Response.json(
      { code: "deadline_exceeded", message: `request not complete within ${ms} ms` },
      { status: 504 },
    ));
}
