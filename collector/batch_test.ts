import assert from "node:assert/strict";
import { create, fromBinary, ScalarType, toBinary } from "@bufbuild/protobuf";
import { PublishBatchRequestSchema, PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import { batchRequest, entryBytes, MAX_BATCH_POINTS, nextBatch } from "./batch.ts";
import type { TaggedPoint } from "./queue.ts";

const TAGS = {
  environment: "production",
  service: "wébshop",
  container: "c".repeat(64),
  host_name: "c".repeat(12),
};

/** The value of each scalar type that encodes to the most bytes. */
const WIDEST: Partial<Record<ScalarType, unknown>> = {
  [ScalarType.UINT64]: 2n ** 64n - 1n,
  [ScalarType.INT64]: -1n,
  [ScalarType.SINT64]: -(2n ** 63n),
  [ScalarType.DOUBLE]: 100,
  [ScalarType.BOOL]: true,
};

/** A point with every field at its widest value. */
function widest(second: number): TaggedPoint {
  const values: Record<string, unknown> = {};
  for (const field of PublishRequestSchema.fields) {
    if (field.fieldKind === "scalar") values[field.localName] = WIDEST[field.scalar];
  }
  const point = create(PublishRequestSchema, values);
  point.unixTime = BigInt(1_764_000_000 + second);
  return { tags: TAGS, point };
}

Deno.test("an entry's size bound holds for the widest point its message can carry", () => {
  const entry = widest(0);
  const encoded = toBinary(
    PublishBatchRequestSchema,
    create(PublishBatchRequestSchema, batchRequest([entry])),
  ).length;
  assert.ok(entryBytes(entry) >= encoded, `${entryBytes(entry)} < ${encoded}`);
  assert.ok(entryBytes(entry) < 2 * encoded, "a bound, not a gross overestimate");
});

Deno.test("a batch takes the oldest entries within the byte budget, at least one", () => {
  const entries = Array.from({ length: 10 }, (_, second) => widest(second));
  const each = entryBytes(entries[0]);
  assert.deepEqual(nextBatch(entries, each * 3 + 1).map((e) => e.point.unixTime), [
    entries[0].point.unixTime,
    entries[1].point.unixTime,
    entries[2].point.unixTime,
  ]);
  assert.equal(nextBatch(entries, 1).length, 1, "one entry goes even over the budget");
  const many = Array.from({ length: MAX_BATCH_POINTS + 5 }, (_, second) => widest(second));
  assert.equal(nextBatch(many, Number.MAX_SAFE_INTEGER).length, MAX_BATCH_POINTS);
});

Deno.test("the request carries each entry's own tags and point", () => {
  const [a, b] = [widest(0), { ...widest(1), tags: { ...TAGS, service: "worker" } }];
  const request = fromBinary(
    PublishBatchRequestSchema,
    toBinary(PublishBatchRequestSchema, create(PublishBatchRequestSchema, batchRequest([a, b]))),
  );
  assert.deepEqual(request.points.map((entry) => entry.tags.service), ["wébshop", "worker"]);
  assert.deepEqual(request.points[1].point, b.point);
});
