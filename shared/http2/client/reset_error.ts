/**
 * A stream the server reset (RST_STREAM) as a `ConnectError`, with the `Code`
 * gRPC's HTTP/2 mapping gives each error code: whether the call may be
 * retried follows from it.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorCode, errorCodeName } from "../mod.ts";

export function resetError(errorCode: number): ConnectError {
  const code = errorCode === ErrorCode.REFUSED_STREAM
    ? Code.Unavailable
    : errorCode === ErrorCode.CANCEL
    ? Code.Canceled
    : errorCode === ErrorCode.ENHANCE_YOUR_CALM
    ? Code.ResourceExhausted
    : errorCode === ErrorCode.INADEQUATE_SECURITY
    ? Code.PermissionDenied
    : Code.Internal;
  return new ConnectError(`stream reset by the server: ${errorCodeName(errorCode)}`, code);
}
