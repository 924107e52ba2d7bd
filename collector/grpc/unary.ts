/**
 * A unary gRPC call over an HTTP/2 exchange: the request header fields
 * (method path, `content-type: application/grpc+proto`, `te: trailers`,
 * `grpc-timeout` from the call's deadline, metadata), and the reading of the
 * response — HTTP status, content type, `grpc-status` / `grpc-message` from
 * the trailers (or the headers of a trailers-only response), and the one
 * enveloped message.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { decodeEnvelope } from "./envelope.ts";
import type { HeaderField } from "../../shared/http2/mod.ts";
import type { Http2Response } from "./connection.ts";
import { decodeGrpcMessage, grpcStatusCode, httpStatusError } from "./status.ts";

export interface UnaryRequest {
  scheme: "http" | "https";
  authority: string;
  /** `/<service>/<method>`. */
  path: string;
  metadata: Iterable<[string, string]>;
  timeoutMs?: number;
}

/** Names the call's own fields use; metadata may not replace them. */
const RESERVED = new Set(["te", "content-type", "grpc-timeout", "user-agent", "connection"]);

export function unaryRequestFields(request: UnaryRequest): HeaderField[] {
  const fields: HeaderField[] = [
    [":method", "POST"],
    [":scheme", request.scheme],
    [":path", request.path],
    [":authority", request.authority],
    ["content-type", "application/grpc+proto"],
    ["te", "trailers"],
    ["user-agent", "mini-collector"],
  ];
  if (request.timeoutMs !== undefined) {
    fields.push(["grpc-timeout", grpcTimeout(request.timeoutMs)]);
  }
  for (const [name, value] of request.metadata) {
    const lower = name.toLowerCase();
    if (lower.startsWith(":") || RESERVED.has(lower)) {
      throw new ConnectError(`metadata may not set the header "${name}"`, Code.InvalidArgument);
    }
    fields.push([lower, value]);
  }
  return fields;
}

/** At most 8 digits (gRPC over HTTP/2): milliseconds, or whole seconds rounded up beyond. */
export function grpcTimeout(timeoutMs: number): string {
  const ms = Math.max(1, Math.ceil(timeoutMs));
  return ms < 1e8 ? `${ms}m` : `${Math.min(99_999_999, Math.ceil(ms / 1000))}S`;
}

/** The response message, or the call's failure as a `ConnectError`. */
export function unaryResponseMessage(response: Http2Response): Uint8Array {
  const header = (name: string) => response.headers.find(([field]) => field === name)?.[1];
  if (response.status !== 200) throw httpStatusError(response.status, header("content-type"));
  const contentType = header("content-type") ?? "";
  if (!/^application\/grpc(?:[+;]|$)/.test(contentType)) {
    throw new ConnectError(
      `the server answered with content-type "${contentType}", not a gRPC response`,
      Code.Unknown,
    );
  }
  const trailers = response.trailers.length ? response.trailers : response.headers;
  const trailer = (name: string) => trailers.find(([field]) => field === name)?.[1];
  const status = trailer("grpc-status");
  if (status === undefined) {
    throw new ConnectError("malformed response: no grpc-status in the trailers", Code.Internal);
  }
  if (status !== "0") {
    const metadata = new Headers();
    for (const [name, value] of trailers) if (!name.startsWith(":")) metadata.append(name, value);
    throw new ConnectError(
      decodeGrpcMessage(trailer("grpc-message") ?? ""),
      grpcStatusCode(status),
      metadata,
    );
  }
  return decodeEnvelope(response.body);
}
