/**
 * Which failed publish calls are worth retrying. Transient conditions — the
 * aggregator down or overloaded, a call cut by a closed connection (Deno
 * reports that as `internal`), a timeout, a network error without a status —
 * are retried; anything else means the aggregator refused this point, and
 * retrying would only block the points behind it.
 */
import { Code, ConnectError } from "@connectrpc/connect";

const RETRYABLE = new Set<Code>([
  Code.Unavailable,
  Code.Internal,
  Code.ResourceExhausted,
  Code.DeadlineExceeded,
  Code.Unknown,
]);

export function isRetryable(error: unknown): boolean {
  return RETRYABLE.has(ConnectError.from(error).code);
}
