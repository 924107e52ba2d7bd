/**
 * The gRPC length-prefixed message (the 5-byte envelope: a compressed flag and
 * a big-endian length) around a unary call's one request and one response.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";

const PREFIX_BYTES = 5;

export function encodeEnvelope(message: Uint8Array): Uint8Array {
  const framed = new Uint8Array(PREFIX_BYTES + message.length);
  new DataView(framed.buffer).setUint32(1, message.length);
  framed.set(message, PREFIX_BYTES);
  return framed;
}

/** The one uncompressed message a unary response body must hold, or an `internal` error. */
export function decodeEnvelope(body: Uint8Array): Uint8Array {
  if (body.length < PREFIX_BYTES) {
    throw new ConnectError(
      `malformed response: a body of ${body.length} bytes holds no gRPC message`,
      Code.Internal,
    );
  }
  if (body[0] !== 0) {
    throw new ConnectError(
      `malformed response: a message with flags ${body[0]}, but no compression was negotiated`,
      Code.Internal,
    );
  }
  const length = new DataView(body.buffer, body.byteOffset, PREFIX_BYTES).getUint32(1);
  if (PREFIX_BYTES + length !== body.length) {
    throw new ConnectError(
      `malformed response: a message of ${length} bytes in a body of ${body.length}`,
      Code.Internal,
    );
  }
  return body.subarray(PREFIX_BYTES);
}
