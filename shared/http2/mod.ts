/**
 * HTTP/2 (RFC 9113) pieces the collector's client and the aggregator's
 * server share: frame encoding and parsing, the HPACK coder, and the checks on
 * SETTINGS, PING and WINDOW_UPDATE.
 *
 * @module
 */
export * from "./frames.ts";
export * from "./hpack.ts";
export * from "./settings.ts";
