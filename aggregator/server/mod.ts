/**
 * The aggregator's network edge: the listeners (node:http2 for gRPC, gRPC-Web
 * and Connect; Deno.serve for Connect and gRPC-Web), the Publish RPC they
 * serve, and the health endpoints with the gRPC health messages a probe needs.
 *
 * @module
 */
export { listenFetch } from "./fetch_listener.ts";
export { listenHttp2 } from "./http2_listener.ts";
export { type Listener, socketHost } from "./listener.ts";
export { publishRoutes } from "./publish.ts";
export { HEALTHZ_PATH } from "./health.ts";
export {
  decodeHealthResponse,
  firstMessage,
  HEALTH_CHECK_PATH,
  ServingStatus,
} from "./health_codec.ts";
