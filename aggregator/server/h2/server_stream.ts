/**
 * One request stream on the aggregator's HTTP/2 server: its flow-control
 * windows, its body, the signal its handler watches and its request timer.
 *
 * @module
 */
import type { RequestBody } from "./request_body.ts";

export interface ServerStream {
  readonly id: number;
  readonly body: RequestBody;
  readonly abort: AbortController;
  /** Bytes the client may still send on this stream. */
  receiveWindow: number;
  /** Bytes read by the handler and not yet returned to the client in a WINDOW_UPDATE. */
  unacknowledged: number;
  /** Bytes this server may still send on this stream. */
  sendWindow: number;
  /** The client ended its side (END_STREAM). */
  remoteEnded: boolean;
  /** The response is complete (its last frame is queued). */
  answered: boolean;
  closed: boolean;
  timer?: ReturnType<typeof setTimeout>;
}
