/**
 * Where a request on the aggregator's HTTP/2 server goes: connect's universal
 * handlers for the routes (gRPC, gRPC-Web and Connect; uncompressed or gzip,
 * messages up to `readMaxBytes`; route_table.ts), and the health endpoints
 * for every other path.
 *
 * @module
 */
import { createConnectRouter } from "@connectrpc/connect";
import { gzipCompression } from "../gzip.ts";
import { universalHealthHandler } from "../health.ts";
import type { ListenerOptions } from "../listener.ts";
import { routeTable } from "../route_table.ts";
import type { Handle } from "./server_connection.ts";

export function dispatcher(options: ListenerOptions): Handle {
  const router = createConnectRouter({
    readMaxBytes: options.readMaxBytes,
    acceptCompression: [gzipCompression],
  });
  options.routes(router);
  const handlers = routeTable(router.handlers);
  const fallback = universalHealthHandler(options.serving);
  return (request) => {
    const path = new URL(request.url).pathname;
    return (handlers.get(path) ?? fallback)(request);
  };
}
