/**
 * Reads one entry of a PublishBatch (a `TaggedPoint`) from its wire bytes
 * into plain values, with no protobuf-es object: its tags by name, its
 * 64-bit integers as Numbers when exact (a bigint only beyond
 * ±Number.MAX_SAFE_INTEGER, which validation refuses with the exact value),
 * its bools and doubles as they are. The intake reads a hundred entries a
 * call this way, one reader reused.
 *
 * It decodes exactly as protobuf-es's `fromBinary` decodes the entry on its
 * own: the same fields, defaults and "last one wins", a point given twice
 * merged, unknown fields (groups too) skipped, a known field read by its
 * declared type whatever wire type it came with, strings checked as UTF-8,
 * the same nesting limits, and a malformed entry refused
 * ({@link MalformedEntry}). The only reads not bounded by the field they
 * belong to are those protobuf-es does not bound either; none goes past the
 * entry's own bytes (batch_entry_reader_test.ts compares the two).
 *
 * @module
 */
import { ScalarType } from "@bufbuild/protobuf";
import { PublishRequestSchema, TaggedPointSchema } from "../../shared/gen/aggregator_pb.ts";
import { METRIC_FIELDS } from "../../shared/point/mod.ts";
import { TAG_NAMES, type TagName } from "../../shared/tags.ts";

/** An entry whose bytes are not a TaggedPoint: the whole call is refused. */
export class MalformedEntry extends Error {
  override name = "MalformedEntry";
}

/** The tags a check asks for: every tag, and `host`, the 2021 name of `host_name`. */
const TAG_SLOTS: readonly (TagName | "host")[] = [...TAG_NAMES, "host"];
const TAG_SLOT_BYTES = TAG_SLOTS.map((name) => new TextEncoder().encode(name));

const WIRE_VARINT = 0;
const WIRE_BIT64 = 1;
const WIRE_DELIMITED = 2;
const WIRE_START_GROUP = 3;
const WIRE_END_GROUP = 4;
const WIRE_BIT32 = 5;

/** protobuf-es's nesting limit, less the depth at which each message of a PublishBatch is read. */
const RECURSION_LIMIT = 100;
const TAGGED_POINT_DEPTH = 2;
const POINT_DEPTH = 3;

const TWO_32 = 2 ** 32;
/** The high word below which a 64-bit integer is exact as a Number (below 2^53). */
const SAFE_HIGH = 0x200000;

const TAGS_FIELD = TaggedPointSchema.field.tags.number;
const POINT_FIELD = TaggedPointSchema.field.point.number;

/** The scalar types of PublishRequest's fields that {@link BatchEntryReader} reads. */
const READABLE = new Set([
  ScalarType.INT64,
  ScalarType.UINT64,
  ScalarType.SINT64,
  ScalarType.BOOL,
  ScalarType.DOUBLE,
]);

/** How each PublishRequest field is read, by field number: its scalar type and its metric index. */
const POINT_FIELDS: { scalar: ScalarType; metric: number }[] = [];
for (const field of PublishRequestSchema.fields) {
  if (field.fieldKind !== "scalar") throw new Error(`no reader for ${field.name}`);
  const metric = METRIC_FIELDS.findIndex((metric) => metric.name === field.name);
  if (metric < 0 && field.name !== "unix_time") throw new Error(`${field.name} is no metric`);
  if (!READABLE.has(field.scalar)) throw new Error(`no reader for ${field.name}`);
  POINT_FIELDS[field.number] = { scalar: field.scalar, metric };
}
/** Metric values of a fresh PublishRequest: 0 (false) for the plain fields, absent for `optional` ones. */
const DEFAULTS = PublishRequestSchema.fields.filter((field) => field.name !== "unix_time").map((
  field,
) => field.proto.proto3Optional ? undefined : field.scalar === ScalarType.BOOL ? false : 0);

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The entry last read; {@link BatchEntryReader.read} refills it. */
export class BatchEntryReader {
  /** Tag values by TAG_SLOTS index. */
  readonly #tags: (string | undefined)[] = new Array(TAG_SLOTS.length).fill(undefined);
  readonly #metrics: (bigint | number | boolean | undefined)[] = [...DEFAULTS];
  #unixTime: bigint | number | undefined;
  #bytes: Uint8Array = new Uint8Array(0);
  #view: DataView = new DataView(this.#bytes.buffer);
  #pos = 0;
  #lo = 0;
  #hi = 0;
  /** Per tag slot, where its value was last decoded from, to reuse the string when the bytes repeat. */
  readonly #last: { bytes: Uint8Array; start: number; length: number; value: string }[] = TAG_SLOTS
    .map(() => ({ bytes: new Uint8Array(0) as Uint8Array, start: 0, length: -1, value: "" }));

  get unixTime(): bigint | number | undefined {
    return this.#unixTime;
  }

  tag(name: TagName | "host"): string | undefined {
    return this.#tags[TAG_SLOTS.indexOf(name)];
  }

  metric(index: number): bigint | number | boolean | undefined {
    return this.#metrics[index];
  }

  /** Reads the TaggedPoint in `bytes`; throws {@link MalformedEntry} when it is not one. */
  read(bytes: Uint8Array): void {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#pos = 0;
    this.#tags.fill(undefined);
    this.#unixTime = undefined;
    const end = bytes.length;
    while (this.#pos < end) {
      const tag = this.#tag();
      const number = tag >>> 3;
      if (number === TAGS_FIELD) this.#mapEntry();
      else if (number === POINT_FIELD) this.#point();
      else this.#skip(tag & 7, number, RECURSION_LIMIT - TAGGED_POINT_DEPTH);
    }
  }

  /** One entry of the tag map: a key (1) and a value (2), either absent ("") or given more than once. */
  #mapEntry(): void {
    const end = this.#uint32() + this.#pos;
    let slot = -1;
    let value = "";
    let valueStart = 0;
    let valueLength = -1;
    while (this.#pos < end) {
      const tag = this.#tag();
      const number = tag >>> 3;
      if (number === 1) slot = this.#key();
      else if (number === 2) {
        // Every value given is checked as UTF-8, as protobuf-es decodes each one.
        if (valueLength > 0) this.#checkUtf8(valueStart, valueLength);
        valueLength = this.#uint32();
        valueStart = this.#take(valueLength);
      } else this.#skip(tag & 7, number, RECURSION_LIMIT - TAGGED_POINT_DEPTH);
    }
    if (slot < 0) {
      if (valueLength > 0) this.#checkUtf8(valueStart, valueLength);
      return;
    }
    if (valueLength >= 0) value = this.#string(slot, valueStart, valueLength);
    this.#tags[slot] = value;
  }

  /** The TAG_SLOTS index the key names, or -1 for a key no check asks for (still checked as UTF-8). */
  #key(): number {
    const length = this.#uint32();
    const start = this.#take(length);
    const bytes = this.#bytes;
    for (let slot = 0; slot < TAG_SLOT_BYTES.length; slot++) {
      const name = TAG_SLOT_BYTES[slot];
      if (name.length !== length) continue;
      let i = 0;
      while (i < length && bytes[start + i] === name[i]) i++;
      if (i === length) return slot;
    }
    this.#checkUtf8(start, length);
    return -1;
  }

  /** The point (a PublishRequest), merged into one given earlier in the entry. */
  #point(): void {
    const end = this.#uint32() + this.#pos;
    if (this.#unixTime === undefined) {
      this.#unixTime = 0;
      for (let i = 0; i < DEFAULTS.length; i++) this.#metrics[i] = DEFAULTS[i];
    }
    while (this.#pos < end) {
      const tag = this.#tag();
      const number = tag >>> 3;
      const field = POINT_FIELDS[number];
      if (field === undefined) {
        this.#skip(tag & 7, number, RECURSION_LIMIT - POINT_DEPTH);
        continue;
      }
      const value = this.#scalar(field.scalar);
      if (field.metric < 0) this.#unixTime = value as bigint | number;
      else this.#metrics[field.metric] = value;
    }
  }

  #scalar(scalar: ScalarType): bigint | number | boolean {
    switch (scalar) {
      case ScalarType.DOUBLE: {
        const pos = this.#pos;
        this.#take(8);
        return this.#view.getFloat64(pos, true);
      }
      case ScalarType.BOOL:
        this.#varint64();
        return this.#lo !== 0 || this.#hi !== 0;
      case ScalarType.UINT64:
        this.#varint64();
        return unsigned(this.#lo, this.#hi);
      case ScalarType.INT64:
        this.#varint64();
        return signed(this.#lo, this.#hi);
      case ScalarType.SINT64: {
        this.#varint64();
        const lo = this.#lo;
        const hi = this.#hi;
        const sign = -(lo & 1);
        return signed(((lo >>> 1) | ((hi & 1) << 31)) ^ sign, (hi >>> 1) ^ sign);
      }
      default:
        throw new Error(`no reader for scalar type ${scalar}`);
    }
  }

  /** A field's key: number and wire type (`number << 3 | type`), as protobuf-es admits them. */
  #tag(): number {
    const start = this.#pos;
    const tag = this.#uint32();
    const read = this.#pos - start;
    if (read > 5 || (read === 5 && this.#bytes[this.#pos - 1] > 0x0f)) {
      throw new MalformedEntry("illegal tag: varint overflows uint32");
    }
    if (tag >>> 3 === 0 || (tag & 7) > 5) {
      throw new MalformedEntry(`illegal tag: field no ${tag >>> 3} wire type ${tag & 7}`);
    }
    return tag;
  }

  /** Skips a field of no interest (`limit`: how many groups deep it may nest). */
  #skip(wireType: number, number: number, limit: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        while (this.#byte() & 0x80) { /* a continuation byte */ }
        return;
      case WIRE_BIT64:
        this.#take(8);
        return;
      case WIRE_BIT32:
        this.#take(4);
        return;
      case WIRE_DELIMITED:
        this.#take(this.#uint32());
        return;
      case WIRE_START_GROUP:
        if (limit <= 0) throw new MalformedEntry("maximum recursion depth reached");
        for (;;) {
          const tag = this.#tag();
          if ((tag & 7) === WIRE_END_GROUP) {
            if (tag >>> 3 !== number) throw new MalformedEntry("invalid end group tag");
            return;
          }
          this.#skip(tag & 7, tag >>> 3, limit - 1);
        }
      default:
        throw new MalformedEntry(`cannot skip wire type ${wireType}`);
    }
  }

  /** A string field's value for `slot`, the previous string again when its bytes are the same. */
  #string(slot: number, start: number, length: number): string {
    const last = this.#last[slot];
    const bytes = this.#bytes;
    if (last.length === length) {
      const before = last.bytes;
      let i = 0;
      while (i < length && bytes[start + i] === before[last.start + i]) i++;
      if (i === length) {
        last.bytes = bytes;
        last.start = start;
        return last.value;
      }
    }
    const value = this.#decodeString(start, length);
    last.bytes = bytes;
    last.start = start;
    last.length = length;
    last.value = value;
    return value;
  }

  #decodeString(start: number, length: number): string {
    const bytes = this.#bytes;
    for (let i = 0; i < length; i++) {
      if (bytes[start + i] > 0x7f) return this.#utf8(start, length);
    }
    const ascii = bytes.subarray(start, start + length) as unknown as number[];
    return String.fromCharCode.apply(null, ascii);
  }

  #checkUtf8(start: number, length: number): void {
    const bytes = this.#bytes;
    for (let i = 0; i < length; i++) {
      if (bytes[start + i] > 0x7f) {
        this.#utf8(start, length);
        return;
      }
    }
  }

  #utf8(start: number, length: number): string {
    try {
      return strictUtf8.decode(this.#bytes.subarray(start, start + length));
    } catch (error) {
      throw new MalformedEntry(error instanceof Error ? error.message : String(error));
    }
  }

  /** Moves past `length` bytes, returning where they start. */
  #take(length: number): number {
    const start = this.#pos;
    this.#pos += length;
    if (this.#pos > this.#bytes.length) throw new MalformedEntry("premature EOF");
    return start;
  }

  #byte(): number {
    if (this.#pos >= this.#bytes.length) throw new MalformedEntry("premature EOF");
    return this.#bytes[this.#pos++];
  }

  /** A varint as protobuf-es reads a uint32: bits past the 32nd dropped, at most ten bytes. */
  #uint32(): number {
    let result = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const byte = this.#byte();
      result |= (byte & 0x7f) << shift;
      if (byte < 0x80) return result;
    }
    let byte = this.#byte();
    result |= (byte & 0x0f) << 28;
    for (let read = 5; byte >= 0x80 && read < 10; read++) byte = this.#byte();
    if (byte >= 0x80) throw new MalformedEntry("invalid varint");
    return result >>> 0;
  }

  /** A varint of up to ten bytes into #lo and #hi, bits past the 64th dropped. */
  #varint64(): void {
    let lo = 0;
    let hi = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const byte = this.#byte();
      lo |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.#lo = lo;
        this.#hi = 0;
        return;
      }
    }
    let byte = this.#byte();
    lo |= (byte & 0x0f) << 28;
    hi = (byte & 0x70) >> 4;
    for (let shift = 3; byte >= 0x80; shift += 7) {
      if (shift > 31) throw new MalformedEntry("invalid varint");
      byte = this.#byte();
      hi |= (byte & 0x7f) << shift;
    }
    this.#lo = lo;
    this.#hi = hi;
  }
}

/** The uint64 of two 32-bit words: a Number when below 2^53, else a bigint. */
function unsigned(lo: number, hi: number): bigint | number {
  const high = hi >>> 0;
  if (high < SAFE_HIGH) return high * TWO_32 + (lo >>> 0);
  return (BigInt(high) << 32n) | BigInt(lo >>> 0);
}

/** The int64 of two 32-bit words (two's complement): a Number within ±MAX_SAFE_INTEGER, else a bigint. */
function signed(lo: number, hi: number): bigint | number {
  const high = hi | 0;
  if (high >= -SAFE_HIGH && high < SAFE_HIGH) {
    const value = high * TWO_32 + (lo >>> 0);
    if (value >= -Number.MAX_SAFE_INTEGER) return value;
  }
  return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
}
