/**
 * The two messages of the gRPC health protocol (grpc.health.v1), encoded by
 * hand with the protobuf wire helpers so no proto file is needed:
 * `HealthCheckRequest { string service = 1; }` and
 * `HealthCheckResponse { ServingStatus status = 1; }`. The 5-byte gRPC
 * envelope around them is connect-es's (`@connectrpc/connect/protocol`).
 *
 * @module
 */
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { Code, ConnectError } from "@connectrpc/connect";
import { createEnvelopeReadableStream, envelopeDecompress } from "@connectrpc/connect/protocol";

/** The request path of `grpc.health.v1.Health/Check`. */
export const HEALTH_CHECK_PATH = "/grpc.health.v1.Health/Check";

/** `HealthCheckResponse.ServingStatus`. */
export enum ServingStatus {
  UNKNOWN = 0,
  SERVING = 1,
  NOT_SERVING = 2,
  SERVICE_UNKNOWN = 3,
}

/** The `service` field of an encoded HealthCheckRequest ("" when absent). */
export function decodeHealthRequest(bytes: Uint8Array): string {
  const reader = new BinaryReader(bytes);
  let service = "";
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) service = reader.string();
    else reader.skip(wireType, field);
  }
  return service;
}

/** An encoded HealthCheckResponse. */
export function encodeHealthResponse(status: ServingStatus): Uint8Array {
  return new BinaryWriter().tag(1, WireType.Varint).int32(status).finish();
}

/** The `status` field of an encoded HealthCheckResponse. */
export function decodeHealthResponse(bytes: Uint8Array): ServingStatus {
  const reader = new BinaryReader(bytes);
  let status = ServingStatus.UNKNOWN;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.Varint) status = reader.int32();
    else reader.skip(wireType, field);
  }
  return status;
}

/**
 * The message in the first envelope of a gRPC body. Throws a ConnectError
 * when the body holds no envelope, a truncated one or a compressed one (no
 * compression is negotiated for health checks).
 */
export async function firstMessage(body: Uint8Array): Promise<Uint8Array> {
  const envelopes = createEnvelopeReadableStream(ReadableStream.from([body])).getReader();
  try {
    const { done, value } = await envelopes.read();
    if (done) throw new ConnectError("protocol error: missing envelope", Code.InvalidArgument);
    return (await envelopeDecompress(value, null, body.length)).data;
  } finally {
    envelopes.releaseLock();
  }
}
