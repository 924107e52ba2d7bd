/**
 * The client role on the project's HTTP/2 engine: one connection, kept
 * across calls and bounded against a hostile server, under connect-es's
 * protocol layer as a `UniversalClientFn`. The collector publishes and asks
 * the node's runtime through it; the aggregator's `--healthcheck` asks its
 * own listener through it.
 *
 * @module
 */
export { type ConnectionLimits, type ConnectionTarget, DEFAULT_LIMITS } from "./connection.ts";
export { Http2Client } from "./http_client.ts";
