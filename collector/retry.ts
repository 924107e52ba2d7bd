/**
 * Which failed publish calls are worth retrying. Transient conditions — the
 * aggregator down or overloaded, a call cut by a closed connection (Deno
 * reports that as `internal`), a timeout, a network error without a status —
 * are retried, and so is a call cancelled by anyone but the collector itself
 * (the caller checks its own cancellation first): HTTP/2 reports a connection
 * cut under a stream, e.g. the server rejecting the client certificate after a
 * TLS 1.3 handshake, as a stream CANCEL. Anything else means the aggregator
 * refused this point, and retrying would only block the points behind it.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";

const RETRYABLE = new Set<Code>([
  Code.Unavailable,
  Code.Internal,
  Code.ResourceExhausted,
  Code.DeadlineExceeded,
  Code.Unknown,
  Code.Canceled,
]);

export function isRetryable(error: unknown): boolean {
  return RETRYABLE.has(ConnectError.from(error).code);
}
