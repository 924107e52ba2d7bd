import assert from "node:assert/strict";
import { create, fromBinary, ScalarType, toBinary } from "@bufbuild/protobuf";
import { PublishBatchRequestSchema, PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import { encodeBatch } from "./point_encoding.ts";
import type { TaggedPoint } from "./queue.ts";

const TAGS = {
  environment: "production",
  service: "wébshop ✓",
  container: "c".repeat(64),
  host_name: "h".repeat(200),
};

/** protobuf-es's own encoding of the batch. */
function reference(entries: readonly TaggedPoint[]): Uint8Array {
  return toBinary(
    PublishBatchRequestSchema,
    create(PublishBatchRequestSchema, {
      points: entries.map(({ tags, point }) => ({ tags: { ...tags }, point })),
    }),
  );
}

/** What the gRPC client sends for a request: protobuf-es's create, then toBinary. */
function sent(entries: readonly TaggedPoint[]): Uint8Array {
  return toBinary(
    PublishBatchRequestSchema,
    create(PublishBatchRequestSchema, encodeBatch(entries)),
  );
}

const EXTREMES: Record<string, unknown[]> = {
  [ScalarType.UINT64]: [0n, 1n, 127n, 128n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 64n - 1n],
  [ScalarType.INT64]: [0n, 1n, -1n, 1_764_000_000n, -(2n ** 63n), 2n ** 63n - 1n],
  [ScalarType.SINT64]: [0n, -1n, 1n, -(2n ** 63n), 2n ** 63n - 1n, -1024n],
  [ScalarType.DOUBLE]: [0, -0, 0.01, 100, 42.18],
  [ScalarType.BOOL]: [false, true],
};

/** Points whose fields take each extreme value in turn (the optional fields unset in every other). */
function points(): TaggedPoint[] {
  const list: TaggedPoint[] = [];
  for (let round = 0; round < 7; round++) {
    const values: Record<string, unknown> = {};
    PublishRequestSchema.fields.forEach((field, index) => {
      if (field.fieldKind !== "scalar") return;
      const choices = EXTREMES[field.scalar];
      if (field.proto.proto3Optional && (round + index) % 2 === 0) return;
      values[field.localName] = choices[(round + index) % choices.length];
    });
    list.push({
      tags: round % 2 ? TAGS : { ...TAGS, service: "" },
      point: create(PublishRequestSchema, values),
    });
  }
  list.push({ tags: {}, point: create(PublishRequestSchema) });
  return list;
}

Deno.test("a batch encodes to exactly protobuf-es's bytes, field by field and at every extreme", () => {
  const entries = points();
  for (const entry of entries) assert.deepEqual(sent([entry]), reference([entry]));
  assert.deepEqual(sent(entries), reference(entries));
  assert.deepEqual(sent([]), reference([]));
});

Deno.test("a batch decodes to its entries' tags and points, in order", () => {
  const entries = points();
  const decoded = fromBinary(PublishBatchRequestSchema, sent(entries));
  assert.equal(decoded.points.length, entries.length);
  decoded.points.forEach((entry, index) => {
    assert.deepEqual(entry.tags, { ...entries[index].tags });
    assert.deepEqual(entry.point, entries[index].point);
  });
});

Deno.test("a tag set changed by replacing it is encoded anew", () => {
  const point = create(PublishRequestSchema, { unixTime: 1n, running: true });
  const first = { tags: TAGS, point };
  const second = { tags: { ...TAGS, service: "worker" }, point };
  assert.deepEqual(
    fromBinary(PublishBatchRequestSchema, sent([first, second])).points.map((p) => p.tags.service),
    ["wébshop ✓", "worker"],
  );
});

Deno.test("a value outside its field's range is refused as protobuf-es refuses it, and the next batch is intact", () => {
  for (
    const values of [
      { milliCpuUsage: -1n },
      { milliCpuUsage: 2n ** 64n },
      { unixTime: 2n ** 63n },
      { diskUsageMb: -(2n ** 63n) - 1n },
    ]
  ) {
    const entry = { tags: TAGS, point: create(PublishRequestSchema, values) };
    assert.throws(() => reference([entry]), JSON.stringify(values, (_, v) => String(v)));
    assert.throws(() => sent([entry]), RangeError);
  }
  const entries = points();
  assert.deepEqual(sent(entries), reference(entries));
});
