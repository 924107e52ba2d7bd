/**
 * A request body as the HTTP sinks send it: text, compressed with the
 * encoding named in the request's `Content-Encoding`, with the sizes and
 * value count the request limits are checked against.
 *
 * @module
 */
import { deflateSync, gzipSync } from "node:zlib";

/** One request body and its measures. */
export interface Payload {
  /** The compressed body. */
  body: Uint8Array<ArrayBuffer>;
  /** Bytes before compression. */
  rawBytes: number;
  /** Values carried (Datadog's points: one per metric per sample). */
  values: number;
}

/** `gzip`, or `deflate` as HTTP means it: a zlib stream (RFC 9110 §8.4.1.2). */
type ContentEncoding = "gzip" | "deflate";

// node:zlib returns Buffers over plain (never shared) ArrayBuffers.
const COMPRESSORS: Record<ContentEncoding, (input: Uint8Array) => Uint8Array<ArrayBuffer>> = {
  gzip: (input) => gzipSync(input) as Uint8Array<ArrayBuffer>,
  deflate: (input) => deflateSync(input) as Uint8Array<ArrayBuffer>,
};

const encoder = new TextEncoder();

/** `text` compressed with `encoding`, carrying `values` values. */
export function compressedPayload(
  text: string,
  encoding: ContentEncoding,
  values: number,
): Payload {
  const raw = encoder.encode(text);
  return { body: COMPRESSORS[encoding](raw), rawBytes: raw.byteLength, values };
}
