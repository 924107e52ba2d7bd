/**
 * The collector's HTTP client: its own HTTP/2 connection, kept across calls
 * and bounded against a hostile server, under connect-es's protocol layer as
 * a `UniversalClientFn`.
 *
 * @module
 */
export { type ConnectionLimits, type ConnectionTarget, DEFAULT_LIMITS } from "./connection.ts";
export { Http2Client } from "./http_client.ts";
export { transportOptions } from "./transport_options.ts";
