/**
 * The project's HTTP/2 (RFC 9113) engine, as the two roles on it see it: the
 * aggregator's server (aggregator/server/h2/) and the client of the
 * collector and the aggregator's health check (client/). `ConnectionEngine` runs a connection — read loop,
 * connection states, SETTINGS, PING, GOAWAY, flow control, frame rates,
 * header blocks, the outbox — and a role keeps its streams, each with its
 * RFC 9113 §5.1 state machine, and says what their frames mean. The wire
 * format itself (frames.ts, hpack.ts) stays inside; tests that speak raw
 * HTTP/2 import those modules directly.
 *
 * @module
 */
export { ConnectionEngine, type Duplex, READ_BUFFER_BYTES } from "./engine.ts";
export { ClosedStreams, StreamStateMachine } from "./stream_state.ts";
export type { ReceiveStream } from "./receive_flow.ts";
export { MemoryBudget, processBudget } from "./memory_budget.ts";
export type { HeaderBlock } from "./header_block.ts";
export type { HeaderField } from "./hpack.ts";
export {
  ConnectionError,
  DEFAULT_MAX_FRAME_SIZE,
  ErrorCode,
  errorCodeName,
  Flag,
  type Frame,
  FrameType,
  type Goaway,
  joinBytes,
  Setting,
  StreamError,
} from "./frames.ts";
