/**
 * The aggregator's network edge: the listeners (the project's own HTTP/2
 * server for gRPC, gRPC-Web and Connect, in cleartext and behind node:tls;
 * Deno.serve for Connect and gRPC-Web), the Publish RPC they
 * serve, the health endpoints with the gRPC health messages a probe needs, and
 * the HTTP/1.1 metrics listener (Deno.serve) for Prometheus and httpGet probes.
 *
 * @module
 */
export { listenFetch } from "./fetch_listener.ts";
export { listenH2c } from "./h2/listener.ts";
export { type Listener, socketHost } from "./listener.ts";
export { listenTls } from "./tls_listener.ts";
export { listenMetrics, METRICS_PATH } from "./metrics_listener.ts";
export { publishRoutes } from "./publish.ts";
export { TagSetLimit } from "./tag_set_limit.ts";
export { HEALTHZ_PATH } from "./health.ts";
export {
  decodeHealthResponse,
  firstMessage,
  HEALTH_CHECK_PATH,
  ServingStatus,
} from "./health_codec.ts";
