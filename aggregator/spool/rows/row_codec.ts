/**
 * The body of a spool row (format 2): the valid points of one accepted call
 * in a compact binary form, about a tenth of their JSON. A call's points
 * mostly share their tag values (environment, service, host), so a row holds
 * each distinct tag value once, in a string table, and its points refer to
 * them by number. Layout, every integer an unsigned LEB128 varint:
 *
 *     row     = version(=1) count time* strings string* point*
 *     string  = byteLength utf8
 *     point   = tagMask tagIndex* metricMask negativeMask value*
 *
 * The times come first, so that a reader wanting only them (the Datadog
 * sink's expiry check, on the main thread) stops there.
 *
 * `tagMask` has bit i set when tag TAG_NAMES[i] is present, followed by the
 * string-table index of each present tag in that order; `metricMask` does the
 * same for METRIC_FIELDS (field order), `negativeMask` marks the integer
 * metrics below zero, and each present value is a varint of its magnitude for
 * integer and boolean metrics or a little-endian float64 for floating-point
 * ones. Times and integers are exact up to ±Number.MAX_SAFE_INTEGER, which
 * validation guarantees; the metrics are those of METRIC_FIELDS, the only
 * ones a Point carries.
 *
 * The codec knows nothing of cursors, positions or caps: spool.ts does.
 *
 * @module
 */
import { TAG_NAMES, type TagName, type Tags } from "../../../shared/tags.ts";
import { METRIC_FIELDS, type MetricValues, type Point } from "../../stored_point.ts";

/** The body version this module writes and reads. */
const BODY_VERSION = 1;
const METRIC_NAMES = METRIC_FIELDS.map((field) => field.name);
const FLOAT = METRIC_FIELDS.map((field) => field.kind === "float");
/** 2^i for metric i: masks of more than 31 metrics stay exact as Numbers. */
const BIT = METRIC_NAMES.map((_, i) => 2 ** i);
const TWO_32 = 2 ** 32;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * A row body built point by point: the intake writes each checked entry of a
 * call straight into it, with no Point object in between. Tag values get
 * their string-table numbers in order of first appearance.
 */
export class RowWriter {
  #times: number[] = [];
  #strings = new Map<string, number>();
  #stringBytes = 0;
  #points: Writer;

  /** `expected`: about how many points the row will hold, to size its buffer. */
  constructor(expected = 16) {
    this.#points = new Writer(64 + expected * 128);
  }

  get count(): number {
    return this.#times.length;
  }

  add(time: number, tags: Tags, values: MetricValues): void {
    this.#times.push(time);
    const points = this.#points;
    let tagMask = 0;
    for (let i = 0; i < TAG_NAMES.length; i++) {
      if (tags[TAG_NAMES[i]] !== undefined) tagMask |= 1 << i;
    }
    points.varint(tagMask);
    for (let i = 0; i < TAG_NAMES.length; i++) {
      const value = tags[TAG_NAMES[i]];
      if (value === undefined) continue;
      let index = this.#strings.get(value);
      if (index === undefined) {
        index = this.#strings.size;
        this.#strings.set(value, index);
        this.#stringBytes += 10 + value.length * 3;
      }
      points.varint(index);
    }
    let metricMask = 0;
    let negativeMask = 0;
    for (let i = 0; i < METRIC_NAMES.length; i++) {
      const value = values[i];
      if (value === undefined) continue;
      metricMask += BIT[i];
      if (value < 0 && !FLOAT[i]) negativeMask += BIT[i];
    }
    points.varint(metricMask);
    points.varint(negativeMask);
    for (let i = 0; i < METRIC_NAMES.length; i++) {
      const value = values[i];
      if (value === undefined) continue;
      if (FLOAT[i]) points.float64(value);
      else points.varint(value < 0 ? -value : value);
    }
  }

  /** The row body of the points added, in their order. */
  finish(): Uint8Array<ArrayBuffer> {
    const points = this.#points.written();
    const writer = new Writer(32 + this.#times.length * 10 + this.#stringBytes + points.length);
    writer.varint(BODY_VERSION);
    writer.varint(this.#times.length);
    for (const time of this.#times) writer.varint(time);
    writer.varint(this.#strings.size);
    for (const value of this.#strings.keys()) writer.string(value);
    writer.raw(points);
    return writer.bytes();
  }
}

/** The row body holding `points`, in their order. */
export function encodeRow(points: readonly Point[]): Uint8Array<ArrayBuffer> {
  const writer = new RowWriter(points.length);
  const values: MetricValues = new Array(METRIC_NAMES.length);
  for (const point of points) {
    for (let i = 0; i < METRIC_NAMES.length; i++) values[i] = point.metrics[METRIC_NAMES[i]];
    writer.add(point.time, point.tags, values);
  }
  return writer.finish();
}

/** The points of a row body, in order; throws on a body this codec did not write. */
export function decodeRow(body: Uint8Array): Point[] {
  const reader = new Reader(body);
  const times = readTimes(reader);
  const strings = Array.from({ length: reader.varint() }, () => reader.string());
  const points: Point[] = [];
  for (const time of times) {
    const tagMask = reader.varint();
    const tags: Partial<Record<TagName, string>> = {};
    for (let i = 0; i < TAG_NAMES.length; i++) {
      if (tagMask & (1 << i)) tags[TAG_NAMES[i]] = strings[reader.varint()];
    }
    const metricMask = reader.varint();
    const negativeMask = reader.varint();
    const metrics: Record<string, number> = {};
    for (let i = 0; i < METRIC_NAMES.length && BIT[i] <= metricMask; i++) {
      if (Math.floor(metricMask / BIT[i]) % 2 === 0) continue;
      if (FLOAT[i]) metrics[METRIC_NAMES[i]] = reader.float64();
      else if (Math.floor(negativeMask / BIT[i]) % 2 === 1) {
        metrics[METRIC_NAMES[i]] = -reader.varint();
      } else metrics[METRIC_NAMES[i]] = reader.varint();
    }
    points.push({ time, tags: tags as Tags, metrics });
  }
  if (!reader.done) throw new Error("spool row body has bytes after its last point");
  return points;
}

/** The sample times of a row body's points, in order, without decoding the rest. */
export function decodeTimes(body: Uint8Array): number[] {
  return readTimes(new Reader(body));
}

function readTimes(reader: Reader): number[] {
  const version = reader.varint();
  if (version !== BODY_VERSION) throw new Error(`spool row body version ${version} is unknown`);
  return Array.from({ length: reader.varint() }, () => reader.varint());
}

/** A growing byte buffer. */
class Writer {
  #buffer: Uint8Array<ArrayBuffer>;
  #view: DataView;
  #length = 0;

  constructor(capacity: number) {
    this.#buffer = new Uint8Array(capacity);
    this.#view = new DataView(this.#buffer.buffer);
  }

  /** A non-negative integer up to Number.MAX_SAFE_INTEGER. */
  varint(value: number): void {
    this.#reserve(10);
    let rest = value;
    while (rest >= 0x80) {
      this.#buffer[this.#length++] = (rest % 0x80) | 0x80;
      rest = rest >= TWO_32 ? Math.floor(rest / 0x80) : rest >>> 7;
    }
    this.#buffer[this.#length++] = rest;
  }

  float64(value: number): void {
    this.#reserve(8);
    this.#view.setFloat64(this.#length, value, true);
    this.#length += 8;
  }

  string(value: string): void {
    const bytes = encoder.encode(value);
    this.varint(bytes.length);
    this.raw(bytes);
  }

  raw(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.length;
  }

  /** What was written, as a view of the buffer (valid until the next write). */
  written(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  /** What was written, copied: the buffer itself when it is exactly full. */
  bytes(): Uint8Array<ArrayBuffer> {
    if (this.#length === this.#buffer.length) return this.#buffer;
    return this.#buffer.slice(0, this.#length);
  }

  #reserve(bytes: number): void {
    if (this.#length + bytes <= this.#buffer.length) return;
    const grown = new Uint8Array(Math.max(this.#buffer.length * 2, this.#length + bytes));
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
    this.#view = new DataView(grown.buffer);
  }
}

/** Reads what Writer wrote; throws when the body ends early. */
class Reader {
  #body: Uint8Array;
  #view: DataView;
  #offset = 0;

  constructor(body: Uint8Array) {
    this.#body = body;
    this.#view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  }

  get done(): boolean {
    return this.#offset === this.#body.length;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (this.#offset >= this.#body.length) throw new Error("spool row body ends early");
      const byte = this.#body[this.#offset++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
  }

  float64(): number {
    if (this.#offset + 8 > this.#body.length) throw new Error("spool row body ends early");
    const value = this.#view.getFloat64(this.#offset, true);
    this.#offset += 8;
    return value;
  }

  string(): string {
    const length = this.varint();
    if (this.#offset + length > this.#body.length) throw new Error("spool row body ends early");
    const value = decoder.decode(this.#body.subarray(this.#offset, this.#offset + length));
    this.#offset += length;
    return value;
  }
}
