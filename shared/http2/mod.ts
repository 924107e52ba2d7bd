/**
 * HTTP/2 (RFC 9113) pieces the collector's client and the aggregator's
 * server share: frame encoding and parsing, the HPACK coder, the checks on
 * SETTINGS, PING, GOAWAY and WINDOW_UPDATE, frames read from a connection and
 * routed by type, header blocks gathered, the connection and stream state
 * machines, inbound and outbound flow control, the batched outbound queue,
 * per-connection frame rate limits and the process's memory budget.
 *
 * @module
 */
export * from "./connection_state.ts";
export * from "./dispatch.ts";
export * from "./frame_rates.ts";
export * from "./frame_reader.ts";
export * from "./frames.ts";
export * from "./header_block.ts";
export * from "./hpack.ts";
export * from "./memory_budget.ts";
export * from "./outbox.ts";
export * from "./receive_flow.ts";
export * from "./send_flow.ts";
export * from "./settings.ts";
export * from "./stream_state.ts";
