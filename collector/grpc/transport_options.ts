/**
 * The options every connect transport of the collector shares: the project's
 * own HTTP/2 client underneath, binary protobuf, no compression (requests and
 * answers are far below any size worth compressing), and bounded sizes.
 *
 * @module
 */
import type { CommonTransportOptions } from "@connectrpc/connect/protocol";
import type { Http2Client } from "../../shared/http2/client/mod.ts";

export function transportOptions(
  http: Http2Client,
  sizes: { readMaxBytes: number; writeMaxBytes: number },
): CommonTransportOptions {
  return {
    httpClient: http.fetch,
    baseUrl: http.baseUrl,
    useBinaryFormat: true,
    interceptors: [],
    acceptCompression: [],
    sendCompression: null,
    compressMinBytes: Infinity,
    ...sizes,
  };
}
