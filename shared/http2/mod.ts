/**
 * HTTP/2 (RFC 9113) pieces the collector's client and the aggregator's
 * server share: frame encoding and parsing, the HPACK coder, the checks on
 * SETTINGS, PING, GOAWAY and WINDOW_UPDATE, frames read from a connection and
 * routed by type, header blocks gathered, outbound flow control, and the
 * batched outbound queue.
 *
 * @module
 */
export * from "./dispatch.ts";
export * from "./frame_reader.ts";
export * from "./frames.ts";
export * from "./header_block.ts";
export * from "./hpack.ts";
export * from "./outbox.ts";
export * from "./send_flow.ts";
export * from "./settings.ts";
