/**
 * gzip for request messages (`grpc-encoding: gzip`, Connect's
 * `content-encoding`), on `node:zlib` so the aggregator loads no HTTP/2 stack
 * but its own. Decompression stops at the call's `readMaxBytes`: a small
 * bomb that would inflate past it is refused as `resource_exhausted`, never
 * held; bytes that are not gzip are `invalid_argument`.
 *
 * @module
 */
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Compression } from "@connectrpc/connect/protocol";

const deflated = promisify(gzip);
const inflated = promisify(gunzip);

export const gzipCompression: Compression = {
  name: "gzip",
  async compress(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
    return new Uint8Array(await deflated(bytes));
  },
  async decompress(bytes: Uint8Array, readMaxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
    if (!bytes.length) return new Uint8Array(0);
    try {
      return new Uint8Array(await inflated(bytes, { maxOutputLength: readMaxBytes }));
    } catch (error) {
      throw inflateError(error, readMaxBytes);
    }
  },
};

function inflateError(error: unknown, readMaxBytes: number): ConnectError {
  const code = (error as { code?: unknown }).code;
  if (code === "ERR_BUFFER_TOO_LARGE") {
    return new ConnectError(
      `the message inflates past ${readMaxBytes} bytes, the most accepted`,
      Code.ResourceExhausted,
    );
  }
  return new ConnectError(
    `the message is not valid gzip: ${(error as Error).message}`,
    typeof code === "string" && code.startsWith("Z_") ? Code.InvalidArgument : Code.Internal,
  );
}
