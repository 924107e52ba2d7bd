/**
 * HPACK header compression (RFC 7541) for one HTTP/2 connection, on the
 * static table and Huffman code generated into hpack_tables.ts. The encoder
 * sends literals without indexing (so whatever SETTINGS_HEADER_TABLE_SIZE the
 * peer picks, nothing needs resizing); the decoder keeps the connection's
 * dynamic table and refuses malformed blocks, a table size update anywhere but
 * at the start of a block, table sizes above the one this end announced, and
 * header lists over a size limit.
 *
 * @module
 */
import { ConnectionError, ErrorCode, joinBytes } from "./frames.ts";
import { HUFFMAN_CODES, STATIC_TABLE as STATIC } from "./hpack_tables.ts";

/** A header field as sent or received, name in lower case. */
export type HeaderField = readonly [name: string, value: string];

/** RFC 9113 §6.5.2: the initial SETTINGS_HEADER_TABLE_SIZE, which this client keeps. */
export const HEADER_TABLE_SIZE = 4096;

const EOS = 256;

const encoder = new TextEncoder();

/** The static table's index (1-based) of each exact field, keyed `name\0value`, and of each name. */
const STATIC_FIELDS = new Map<string, number>();
const STATIC_NAMES = new Map<string, number>();
STATIC.forEach(([name, value], index) => {
  if (!STATIC_FIELDS.has(`${name}\0${value}`)) STATIC_FIELDS.set(`${name}\0${value}`, index + 1);
  if (!STATIC_NAMES.has(name)) STATIC_NAMES.set(name, index + 1);
});

/** Encoded fields an encoder keeps: the same few recur on every request or response. */
const FIELD_CACHE_SIZE = 64;

export class HeaderEncoder {
  /** Each recent field's representation, keyed `name\0value`; emptied when full. */
  #fields = new Map<string, Uint8Array>();

  encode(fields: readonly HeaderField[]): Uint8Array {
    const chunks: Uint8Array[] = [];
    for (const [name, value] of fields) {
      const key = `${name}\0${value}`;
      let bytes = this.#fields.get(key);
      if (!bytes) {
        bytes = encodeField(key, name, value);
        if (this.#fields.size === FIELD_CACHE_SIZE) this.#fields.clear();
        this.#fields.set(key, bytes);
      }
      chunks.push(bytes);
    }
    return joinBytes(chunks);
  }
}

/** One field: its static index, or a literal without indexing (RFC 7541 §6.2.2). */
function encodeField(key: string, name: string, value: string): Uint8Array {
  const exact = STATIC_FIELDS.get(key);
  if (exact !== undefined) return encodeInteger(exact, 7, 0x80);
  const nameIndex = STATIC_NAMES.get(name) ?? 0;
  const chunks = [encodeInteger(nameIndex, 4, 0x00)];
  if (nameIndex === 0) chunks.push(...encodeString(name));
  chunks.push(...encodeString(value));
  return joinBytes(chunks);
}

function encodeInteger(value: number, prefixBits: number, pattern: number): Uint8Array {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Uint8Array.of(pattern | value);
  const bytes = [pattern | max];
  for (value -= max; value >= 128; value = Math.floor(value / 128)) bytes.push((value % 128) | 128);
  bytes.push(value);
  return Uint8Array.from(bytes);
}

function encodeString(text: string): Uint8Array[] {
  const bytes = encoder.encode(text);
  return [encodeInteger(bytes.length, 7, 0x00), bytes];
}

/**
 * Decodes the header blocks of one connection in order (the dynamic table
 * carries over between blocks). A malformed block is a COMPRESSION_ERROR; a
 * header list larger than `maxHeaderListSize` (RFC 9113 §6.5.2 size: names,
 * values and 32 bytes per field) is refused.
 */
export class HeaderDecoder {
  #dynamic: HeaderField[] = [];
  #dynamicSize = 0;
  #maxTableSize = HEADER_TABLE_SIZE;

  constructor(readonly maxHeaderListSize: number) {}

  decode(block: Uint8Array): HeaderField[] {
    const reader = new BlockReader(block);
    const fields: HeaderField[] = [];
    let listSize = 0;
    while (!reader.done) {
      const first = reader.peek();
      let field: HeaderField;
      if (first & 0x80) {
        field = this.#lookup(reader.integer(7));
      } else if (first & 0x40) {
        field = this.#literal(reader, 6);
        this.#insert(field);
      } else if (first & 0x20) {
        // RFC 7541 §4.2: only before the block's first field.
        if (fields.length) throw compressionError("a table size update after a header field");
        this.#resize(reader.integer(5));
        continue;
      } else {
        field = this.#literal(reader, 4);
      }
      listSize += field[0].length + field[1].length + 32;
      if (listSize > this.maxHeaderListSize) {
        throw new ConnectionError(
          ErrorCode.ENHANCE_YOUR_CALM,
          `a header list of more than ${this.maxHeaderListSize} bytes`,
        );
      }
      fields.push(field);
    }
    return fields;
  }

  #literal(reader: BlockReader, prefixBits: number): HeaderField {
    const index = reader.integer(prefixBits);
    const name = index === 0 ? reader.string() : this.#lookup(index)[0];
    return [name, reader.string()];
  }

  #lookup(index: number): HeaderField {
    const field = index === 0
      ? undefined
      : index <= STATIC.length
      ? STATIC[index - 1]
      : this.#dynamic[index - STATIC.length - 1];
    if (!field) throw compressionError(`index ${index} is in neither table`);
    return field;
  }

  #insert(field: HeaderField): void {
    const size = field[0].length + field[1].length + 32;
    this.#dynamic.unshift(field);
    this.#dynamicSize += size;
    this.#evict();
  }

  #resize(size: number): void {
    if (size > HEADER_TABLE_SIZE) {
      throw compressionError(`table size ${size} above the ${HEADER_TABLE_SIZE} announced`);
    }
    this.#maxTableSize = size;
    this.#evict();
  }

  #evict(): void {
    while (this.#dynamicSize > this.#maxTableSize) {
      const [name, value] = this.#dynamic.pop()!;
      this.#dynamicSize -= name.length + value.length + 32;
    }
  }
}

function compressionError(message: string): ConnectionError {
  return new ConnectionError(ErrorCode.COMPRESSION_ERROR, `malformed HPACK block: ${message}`);
}

/** Integers and string literals from one header block; octets become one character each. */
class BlockReader {
  #offset = 0;

  constructor(readonly block: Uint8Array) {}

  get done(): boolean {
    return this.#offset >= this.block.length;
  }

  peek(): number {
    return this.block[this.#offset];
  }

  #byte(): number {
    if (this.done) throw compressionError("the block ends inside a field");
    return this.block[this.#offset++];
  }

  /** RFC 7541 §5.1; values above 2^28 are refused. */
  integer(prefixBits: number): number {
    const max = (1 << prefixBits) - 1;
    let value = this.#byte() & max;
    if (value < max) return value;
    for (let shift = 0;; shift += 7) {
      if (shift > 21) throw compressionError("an integer above 2^28");
      const byte = this.#byte();
      value += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return value;
    }
  }

  /** RFC 7541 §5.2. */
  string(): string {
    const huffman = (this.peek() & 0x80) !== 0;
    const length = this.integer(7);
    if (this.#offset + length > this.block.length) {
      throw compressionError(`a string of ${length} bytes past the end of the block`);
    }
    const bytes = this.block.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return huffman ? decodeHuffman(bytes) : latin1(bytes);
  }
}

function latin1(bytes: Uint8Array | number[]): string {
  let text = "";
  for (let start = 0; start < bytes.length; start += 4096) {
    text += String.fromCharCode(...bytes.slice(start, start + 4096));
  }
  return text;
}

/** The Huffman code as a binary tree: children at [2n] and [2n+1]; a leaf is -(symbol + 1). */
let huffmanTree: Int32Array | undefined;

function tree(): Int32Array {
  if (huffmanTree) return huffmanTree;
  const nodes = new Int32Array(2 * 2 * HUFFMAN_CODES.length);
  let count = 1;
  HUFFMAN_CODES.forEach(([bits, code], symbol) => {
    let node = 0;
    for (let bit = bits - 1; bit > 0; bit--) {
      const slot = 2 * node + ((code >>> bit) & 1);
      if (nodes[slot] === 0) nodes[slot] = count++;
      node = nodes[slot];
    }
    nodes[2 * node + (code & 1)] = -(symbol + 1);
  });
  return huffmanTree = nodes;
}

function decodeHuffman(bytes: Uint8Array): string {
  const nodes = tree();
  const out: number[] = [];
  let node = 0;
  let pendingBits = 0;
  let pendingOnes = true;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      const one = (byte >>> bit) & 1;
      const next = nodes[2 * node + one];
      pendingBits++;
      pendingOnes &&= one === 1;
      if (next < 0) {
        const symbol = -next - 1;
        if (symbol === EOS) throw compressionError("EOS inside a Huffman string");
        out.push(symbol);
        node = 0;
        pendingBits = 0;
        pendingOnes = true;
      } else if (next === 0) {
        throw compressionError("an invalid Huffman code");
      } else {
        node = next;
      }
    }
  }
  // RFC 7541 §5.2: padding is at most 7 bits, all ones (a prefix of EOS).
  if (pendingBits > 7 || !pendingOnes) throw compressionError("bad Huffman padding");
  return latin1(out);
}
