/**
 * How a unary gRPC call's outcome becomes a `ConnectError` with the right
 * `Code`: the `grpc-status` / `grpc-message` trailers (message
 * percent-decoded, per the gRPC HTTP/2 protocol), an HTTP status without
 * them (the gRPC HTTP-to-status mapping), and HTTP/2 stream resets (the
 * gRPC RST_STREAM mapping).
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorCode, errorCodeName } from "../../shared/http2/mod.ts";

/** The `Code` a `grpc-status` value names; an unknown number is `unknown`. */
export function grpcStatusCode(text: string): Code {
  const value = Number(text);
  return Number.isInteger(value) && value >= 1 && value <= 16 && /^\d+$/.test(text)
    ? value as Code
    : Code.Unknown;
}

/** Percent-decodes a `grpc-message`; malformed escapes are kept as they came. */
export function decodeGrpcMessage(text: string): string {
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

/** An HTTP response that is not gRPC (no grpc-status), by its HTTP status. */
export function httpStatusError(status: number, contentType: string | undefined): ConnectError {
  const code = status === 400
    ? Code.Internal
    : status === 401
    ? Code.Unauthenticated
    : status === 403
    ? Code.PermissionDenied
    : status === 404
    ? Code.Unimplemented
    : status === 429 || status === 502 || status === 503 || status === 504
    ? Code.Unavailable
    : Code.Unknown;
  const type = contentType ? `, content-type ${contentType}` : "";
  return new ConnectError(`HTTP status ${status}${type} from a gRPC call`, code);
}

/** A stream reset by the server (gRPC's RST_STREAM mapping). */
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
