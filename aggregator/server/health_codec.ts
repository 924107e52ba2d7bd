/**
 * The two messages of the gRPC health protocol (grpc.health.v1), encoded by
 * hand with the protobuf wire helpers so no proto file is needed:
 * `HealthCheckRequest { string service = 1; }` and
 * `HealthCheckResponse { ServingStatus status = 1; }`, plus the 5-byte gRPC
 * message framing around them.
 */
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";

export const HEALTH_CHECK_PATH = "/grpc.health.v1.Health/Check";

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

export function encodeHealthResponse(status: ServingStatus): Uint8Array {
  return new BinaryWriter().tag(1, WireType.Varint).int32(status).finish();
}

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

/** A message in gRPC's length-prefixed framing (uncompressed). */
export function frame(message: Uint8Array): Uint8Array {
  const framed = new Uint8Array(5 + message.length);
  new DataView(framed.buffer).setUint32(1, message.length);
  framed.set(message, 5);
  return framed;
}

/** The message inside one gRPC frame; throws on a truncated or compressed frame. */
export function unframe(framed: Uint8Array): Uint8Array {
  if (framed.length < 5) throw new RangeError(`gRPC frame of ${framed.length} bytes is truncated`);
  if (framed[0] !== 0) throw new RangeError("compressed gRPC frames are not supported");
  const length = new DataView(framed.buffer, framed.byteOffset).getUint32(1);
  if (framed.length < 5 + length) throw new RangeError("gRPC frame is truncated");
  return framed.subarray(5, 5 + length);
}
