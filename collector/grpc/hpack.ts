/**
 * HPACK header compression (RFC 7541) for one HTTP/2 connection, from the
 * `hpack.js` package: an encoder that never relies on its dynamic table (so
 * whatever SETTINGS_HEADER_TABLE_SIZE the server picks, nothing needs
 * resizing), and a decoder whose decoded header list is bounded.
 *
 * @module
 */
import hpack from "hpack.js";
import { ConnectionError, ErrorCode, joinBytes } from "./frames.ts";

/** A header field as sent or received, name in lower case. */
export type HeaderField = readonly [name: string, value: string];

interface HpackEntry {
  name: string;
  value: string;
}

interface HpackStream {
  write(data: unknown): void;
  read(): unknown;
  execute(): void;
  on(event: "error", listener: (error: Error) => void): void;
}

interface HpackModule {
  compressor: { create(options: { table: { size: number } }): HpackStream };
  decompressor: { create(options: { table: { size: number } }): HpackStream };
}

const HPACK = hpack as unknown as HpackModule;

/** RFC 9113 §6.5.2: the initial SETTINGS_HEADER_TABLE_SIZE, which this client keeps. */
export const HEADER_TABLE_SIZE = 4096;

export class HeaderEncoder {
  // A table of size 0: entries the server's decoder indexes are never referenced by us.
  #compressor = HPACK.compressor.create({ table: { size: 0 } });

  encode(fields: readonly HeaderField[]): Uint8Array {
    this.#compressor.write(fields.map(([name, value]) => ({ name, value })));
    const chunks: Uint8Array[] = [];
    for (let chunk; (chunk = this.#compressor.read() as Uint8Array | null) !== null;) {
      chunks.push(chunk);
    }
    return joinBytes(chunks);
  }
}

/**
 * Decodes the header blocks of one connection in order (the dynamic table
 * carries over between blocks). A malformed block is a COMPRESSION_ERROR; a
 * header list larger than `maxHeaderListSize` (RFC 9113 §6.5.2 size: names,
 * values and 32 bytes per field) is refused.
 */
export class HeaderDecoder {
  #decompressor = HPACK.decompressor.create({ table: { size: HEADER_TABLE_SIZE } });
  #error?: Error;

  constructor(readonly maxHeaderListSize: number) {
    this.#decompressor.on("error", (error) => this.#error = error);
  }

  decode(block: Uint8Array): HeaderField[] {
    try {
      this.#decompressor.write(block);
      this.#decompressor.execute();
    } catch (error) {
      this.#error ??= error as Error;
    }
    const fields: HeaderField[] = [];
    let size = 0;
    for (let entry; (entry = this.#decompressor.read() as HpackEntry | null) !== null;) {
      size += entry.name.length + entry.value.length + 32;
      fields.push([entry.name, entry.value]);
    }
    if (this.#error) {
      throw new ConnectionError(
        ErrorCode.COMPRESSION_ERROR,
        `malformed HPACK header block: ${this.#error.message}`,
      );
    }
    if (size > this.maxHeaderListSize) {
      throw new ConnectionError(
        ErrorCode.ENHANCE_YOUR_CALM,
        `a header list of ${size} bytes exceeds the limit of ${this.maxHeaderListSize}`,
      );
    }
    return fields;
  }
}
