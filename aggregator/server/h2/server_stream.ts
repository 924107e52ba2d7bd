/**
 * One request stream on the aggregator's HTTP/2 server: its state (RFC 9113
 * §5.1), its flow-control windows, its body, the signal its handler watches,
 * its request timer, and what it holds of the memory budget.
 *
 * @module
 */
import type { ReceiveStream, StreamStateMachine } from "../../../shared/http2/mod.ts";
import type { RequestBody } from "./request_body.ts";

export interface ServerStream extends ReceiveStream {
  readonly state: StreamStateMachine;
  readonly body: RequestBody;
  readonly abort: AbortController;
  /** Bytes this server may still send on this stream. */
  sendWindow: number;
  /** The body length the request declared (content-length), if it did. */
  readonly contentLength?: number;
  /** Body bytes received so far. */
  received: number;
  /** Bytes of the memory budget the stream holds (its record and its body). */
  charged: number;
  timer?: ReturnType<typeof setTimeout>;
}
