/**
 * The intake's reading of PublishBatch entries (batch_entry_reader.ts over
 * publish_batch_entries.ts) against protobuf-es's `fromBinary` of the real
 * `PublishBatchRequest`, both followed by the same checks: thousands of
 * generated requests (edge values of every field, unknown fields of every
 * wire type, groups, fields given twice or with another wire type, padded
 * varints) and their mutations (truncated, bytes flipped, inserted, dropped)
 * must give the same stored entries, the same rejections, or both a refusal
 * as malformed. The one difference allowed is a field that runs past the end
 * of its entry: protobuf-es reads on into the next entry, the intake refuses
 * the call; that case must then be malformed for protobuf-es too when it
 * decodes the entry on its own.
 */
import assert from "node:assert/strict";
import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import {
  PublishBatchRequestSchema,
  PublishRequestSchema,
  type TaggedPoint,
  TaggedPointSchema,
} from "../../shared/gen/aggregator_pb.ts";
import {
  checkedBatchEntry,
  checkedEntry,
  METRIC_FIELDS,
  type MetricValues,
  RejectedRequest,
} from "../../shared/point/mod.ts";
import { BatchEntryReader, MalformedEntry } from "./batch_entry_reader.ts";
import { PublishBatchEntriesSchema } from "./publish_batch_entries.ts";

const NOW_MS = Date.UTC(2026, 11, 2, 12);
const NOW = BigInt(Math.floor(NOW_MS / 1000));

/** What a call comes to: each entry stored (time, tags, values) or refused (reason, message), or malformed. */
type Outcome = "malformed" | ({ time: number; tags: object; values: MetricValues } | {
  reason: string;
  message: string;
})[];

function outcomeOf(
  count: number,
  check: (index: number, values: MetricValues) => unknown,
): Outcome {
  const entries: Exclude<Outcome, "malformed"> = [];
  for (let index = 0; index < count; index++) {
    const values: MetricValues = new Array(METRIC_FIELDS.length);
    try {
      const entry = check(index, values) as { time: number; tags: object };
      entries.push({ time: entry.time, tags: entry.tags, values });
    } catch (error) {
      if (!(error instanceof RejectedRequest)) throw error;
      entries.push({ reason: error.reason, message: error.message });
    }
  }
  return entries;
}

/** protobuf-es decoding the whole request, then the checks: what the aggregator did before. */
function byProtobufEs(bytes: Uint8Array): Outcome {
  return checkedDecoded(() => fromBinary(PublishBatchRequestSchema, bytes).points);
}

/** protobuf-es decoding each entry on its own bytes. */
function byProtobufEsPerEntry(bytes: Uint8Array): Outcome {
  return checkedDecoded(() =>
    fromBinary(PublishBatchEntriesSchema, bytes).points.map((entry) =>
      fromBinary(TaggedPointSchema, entry)
    )
  );
}

/** The checks of the TaggedPoints `decode` returns, or malformed when it throws. */
function checkedDecoded(decode: () => TaggedPoint[]): Outcome {
  let points: TaggedPoint[];
  try {
    points = decode();
  } catch {
    return "malformed";
  }
  return outcomeOf(
    points.length,
    (index, values) => checkedBatchEntry(points[index].tags, points[index].point, NOW_MS, values),
  );
}

/** The intake's way: connect reads the entries as bytes, the reader each entry. */
function byReader(bytes: Uint8Array): Outcome {
  let entries;
  try {
    entries = fromBinary(PublishBatchEntriesSchema, bytes).points;
  } catch {
    return "malformed";
  }
  const reader = new BatchEntryReader();
  try {
    return outcomeOf(entries.length, (index, values) => {
      reader.read(entries[index]);
      return checkedEntry(reader, NOW_MS, values);
    });
  } catch (error) {
    if (error instanceof MalformedEntry) return "malformed";
    throw error;
  }
}

/** A deterministic generator (mulberry32), so that a failure names the case that repeats it. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const U64 = [
  0n,
  1n,
  127n,
  128n,
  2n ** 32n - 1n,
  2n ** 32n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 64n - 1n,
];
const I64 = [
  0n,
  -1n,
  1n,
  -(2n ** 53n) + 1n,
  -(2n ** 53n),
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 63n - 1n,
  -(2n ** 63n),
  -(2n ** 31n),
];
const TIMES = [
  NOW,
  NOW - 86_400n,
  NOW - 86_401n,
  NOW + 3600n,
  NOW + 3601n,
  946_684_800n,
  946_684_799n,
  0n,
  -1n,
  2n ** 53n,
  2n ** 63n - 1n,
  -(2n ** 63n),
];
const DOUBLES = [0, -0, 1.5, 100, 100.000001, -1e-300, NaN, Infinity, -Infinity, 5e-324, 99.99];
const TAG_VALUES = [
  "prod",
  "web-1",
  "c".repeat(64),
  "",
  "é ü ✓",
  "x".repeat(255),
  "x".repeat(256),
  "ü".repeat(200),
  "a\u0085b",
  "a, b",
  "back\\",
  "tab\there",
  "\ufeffbom",
];
const TAG_KEYS = [
  "environment",
  "service",
  "container",
  "host_name",
  "host",
  "app",
  "database",
  "other",
  "__proto__",
  "",
];

function pick<T>(next: () => number, values: readonly T[]): T {
  return values[Math.floor(next() * values.length)];
}

/** A TaggedPoint of edge values, as protobuf-es writes it. */
function taggedPoint(next: () => number): MessageInitShape<typeof TaggedPointSchema> {
  // Entries, not assignments: `__proto__` is a key like any other.
  const entries: [string, string][] = [];
  const typical = next() < 0.8;
  for (const key of TAG_KEYS) {
    if (typical && ["environment", "service", "container", "host_name"].includes(key)) {
      entries.push([
        key,
        next() < 0.95 ? `${key}-${Math.floor(next() * 3)}` : pick(next, TAG_VALUES),
      ]);
    } else if (next() < 0.15) entries.push([key, pick(next, TAG_VALUES)]);
  }
  const tags = Object.fromEntries(entries);
  if (next() < 0.05) return { tags };
  const point: MessageInitShape<typeof PublishRequestSchema> = {
    unixTime: next() < 0.9 ? NOW - BigInt(Math.floor(next() * 1000)) : pick(next, TIMES),
  };
  const fields = point as Record<string, unknown>;
  for (const field of PublishRequestSchema.fields) {
    if (field.name === "unix_time" || field.fieldKind !== "scalar" || next() < 0.3) continue;
    const edge = next() < 0.05;
    switch (field.scalar) {
      case 8: // bool
        fields[field.localName] = next() < 0.5;
        break;
      case 1: // double
        fields[field.localName] = edge ? pick(next, DOUBLES) : next() * 100;
        break;
      case 18: // sint64
        fields[field.localName] = edge ? pick(next, I64) : BigInt(Math.floor(next() * 1e6) - 1);
        break;
      default: // uint64
        fields[field.localName] = edge ? pick(next, U64) : BigInt(Math.floor(next() * 1e9));
    }
  }
  return { tags, point };
}

/** Wire-level liberties protobuf-es accepts and never writes itself. */
function unusual(next: () => number, count: number): Uint8Array {
  const writer = new BinaryWriter();
  for (let i = 0; i < count; i++) {
    writer.tag(1, WireType.LengthDelimited).fork();
    const unknown = () => {
      const number = 27 + Math.floor(next() * 2000);
      switch (Math.floor(next() * 5)) {
        case 0:
          writer.tag(number, WireType.Varint).uint64(pick(next, U64));
          break;
        case 1:
          writer.tag(number, WireType.Bit64).fixed64(pick(next, U64));
          break;
        case 2:
          writer.tag(number, WireType.Bit32).fixed32(7);
          break;
        case 3:
          writer.tag(number, WireType.LengthDelimited).bytes(new Uint8Array([1, 2, 3]));
          break;
        default:
          writer.tag(number, WireType.StartGroup).tag(1, WireType.Varint).int32(5)
            .tag(2, WireType.StartGroup).tag(2, WireType.EndGroup)
            .tag(number, WireType.EndGroup);
      }
    };
    const mapEntry = (key: string, value: string) => {
      writer.tag(1, WireType.LengthDelimited).fork();
      if (next() < 0.3) unknown();
      const order = next() < 0.5;
      if (order) writer.tag(2, WireType.LengthDelimited).string(value);
      if (next() < 0.8) writer.tag(1, WireType.LengthDelimited).string(key);
      if (!order || next() < 0.2) writer.tag(2, WireType.LengthDelimited).string(value);
      writer.join();
    };
    if (next() < 0.5) unknown();
    for (const key of ["environment", "service", "container", "host_name"]) {
      mapEntry(key, next() < 0.9 ? `${key}-v` : pick(next, TAG_VALUES));
    }
    if (next() < 0.3) mapEntry(pick(next, TAG_KEYS), pick(next, TAG_VALUES));
    const points = next() < 0.2 ? 2 : 1;
    for (let p = 0; p < points; p++) {
      writer.tag(2, WireType.LengthDelimited).fork();
      writer.tag(1, WireType.Varint).int64(next() < 0.8 ? NOW : pick(next, TIMES));
      for (let number = 2; number <= 26; number++) {
        if (next() < 0.4) continue;
        if (next() < 0.2) unknown();
        // The declared type, whatever wire type the key says: protobuf-es reads by the declared type.
        const wireType = next() < 0.03 ? pick(next, [0, 1, 2, 5]) : number >= 21 ? 1 : 0;
        writer.tag(number, wireType);
        if (number >= 21) writer.double(pick(next, DOUBLES));
        else if (number === 7 || number === 8) writer.sint64(pick(next, I64));
        else if (next() < 0.2) writer.raw(paddedVarint(next, Number(pick(next, [0n, 1n, 300n]))));
        else writer.uint64(pick(next, U64));
      }
      writer.join();
    }
    writer.join();
  }
  return writer.finish();
}

/** `value` (below 2^28) as a varint padded with continuation bytes to up to ten bytes. */
function paddedVarint(next: () => number, value: number): Uint8Array {
  const bytes = [(value & 0x7f) | 0x80, ((value >>> 7) & 0x7f) | 0x80, (value >>> 14) & 0x7f];
  const extra = Math.floor(next() * 8);
  for (let i = 0; i < extra; i++) {
    bytes[bytes.length - 1] |= 0x80;
    bytes.push(0);
  }
  return new Uint8Array(bytes);
}

/** `bytes` truncated, with a byte flipped, inserted or dropped. */
function mutated(next: () => number, bytes: Uint8Array): Uint8Array {
  const at = Math.floor(next() * bytes.length);
  switch (Math.floor(next() * 4)) {
    case 0:
      return bytes.slice(0, at);
    case 1: {
      const copy = bytes.slice();
      copy[at] ^= 1 << Math.floor(next() * 8);
      return copy;
    }
    case 2:
      return new Uint8Array([
        ...bytes.subarray(0, at),
        Math.floor(next() * 256),
        ...bytes.subarray(at),
      ]);
    default:
      return new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(at + 1)]);
  }
}

/** Asserts the intake reads `bytes` as protobuf-es does; returns whether the two differed (see the header). */
function assertSame(bytes: Uint8Array, name: string): boolean {
  const reader = byReader(bytes);
  assert.deepEqual(reader, byProtobufEsPerEntry(bytes), `${name}: against protobuf-es per entry`);
  const whole = byProtobufEs(bytes);
  if (reader === "malformed" && whole !== "malformed") return true;
  assert.deepEqual(reader, whole, name);
  return false;
}

Deno.test("the entry reader stores and refuses exactly what protobuf-es's decoding did", () => {
  const kinds = new Map<string, number>();
  let overruns = 0;
  const cases = 2000;
  for (let seed = 1; seed <= cases; seed++) {
    const next = random(seed);
    const count = 1 + Math.floor(next() * 4);
    const original = next() < 0.5
      ? toBinary(
        PublishBatchRequestSchema,
        create(PublishBatchRequestSchema, {
          points: Array.from({ length: count }, () => taggedPoint(next)),
        }),
      )
      : unusual(next, count);
    const variants = [original, mutated(next, original), mutated(next, mutated(next, original))];
    for (const [i, bytes] of variants.entries()) {
      if (assertSame(bytes, `seed ${seed}, variant ${i}`)) overruns++;
      const outcome = byReader(bytes);
      const seen = outcome === "malformed" ? ["malformed"] : [
        ...outcome.some((entry) => "reason" in entry) ? ["rejections"] : [],
        ...outcome.some((entry) => "values" in entry) ? ["stored"] : [],
      ];
      for (const kind of seen) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
  }
  // The generator reaches every outcome often, or the comparison proves little.
  for (const kind of ["malformed", "rejections", "stored"]) {
    assert.ok((kinds.get(kind) ?? 0) > cases / 10, `${kind}: ${kinds.get(kind)} of ${3 * cases}`);
  }
  assert.ok(overruns < cases / 10, `${overruns} overruns`);
});

Deno.test("64-bit edge values: exact when within ±2^53−1, refused with the exact value beyond", () => {
  const entry = (point: MessageInitShape<typeof PublishRequestSchema>) =>
    toBinary(
      PublishBatchRequestSchema,
      create(PublishBatchRequestSchema, {
        points: [{
          tags: { environment: "e", service: "s", container: "c", host_name: "h" },
          point: { unixTime: NOW, ...point },
        }],
      }),
    );
  const cases: [MessageInitShape<typeof PublishRequestSchema>, string | number][] = [
    [{ pidsLimit: 2n ** 53n - 1n }, 2 ** 53 - 1],
    [{ pidsLimit: 2n ** 53n }, "invalid pids_limit 9007199254740992: beyond ±9007199254740991"],
    [{ pidsLimit: 2n ** 64n - 1n }, `invalid pids_limit ${2n ** 64n - 1n}: beyond`],
    [{ diskUsageMb: -(2n ** 53n) + 1n }, -(2 ** 53) + 1],
    [{ diskUsageMb: -(2n ** 53n) }, "invalid disk_usage_mb -9007199254740992: beyond"],
    [{ diskUsageMb: -(2n ** 63n) }, `invalid disk_usage_mb ${-(2n ** 63n)}: beyond`],
    [{ unixTime: -(2n ** 63n) }, `invalid unix_time ${-(2n ** 63n)}: before 2000`],
    [{ unixTime: 2n ** 63n - 1n }, `invalid unix_time ${2n ** 63n - 1n}: more than 1h ahead`],
  ];
  for (const [point, expected] of cases) {
    const outcome = byReader(entry(point));
    assert.deepEqual(outcome, byProtobufEs(entry(point)));
    assert.notEqual(outcome, "malformed");
    const [first] = outcome as Exclude<Outcome, "malformed">;
    if (typeof expected === "number") {
      assert.ok("values" in first);
      assert.ok(first.values.includes(expected), `${expected} in ${first.values}`);
    } else {
      assert.ok("message" in first && first.message.startsWith(expected), JSON.stringify(first));
    }
  }
});

Deno.test("groups nested as deep as protobuf-es allows, and one deeper", () => {
  for (const depth of [96, 97, 98, 99]) {
    const writer = new BinaryWriter();
    writer.tag(1, WireType.LengthDelimited).fork();
    writer.tag(2, WireType.LengthDelimited).fork().tag(1, WireType.Varint).int64(NOW);
    for (let i = 0; i < depth; i++) writer.tag(100, WireType.StartGroup);
    for (let i = 0; i < depth; i++) writer.tag(100, WireType.EndGroup);
    writer.join().join();
    const bytes = writer.finish();
    assert.deepEqual(byReader(bytes), byProtobufEs(bytes), `depth ${depth}`);
  }
});
