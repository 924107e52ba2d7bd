/**
 * Which queued points go in one `PublishBatch` call: the oldest first, at most
 * {@link MAX_BATCH_POINTS} of them and at most a byte budget, never fewer than
 * one. A point's size is taken as the most its message can encode to (every
 * field set at its widest) plus the exact size of its tags, so the budget
 * holds without encoding anything twice. The request itself is encoded by
 * ./point_encoding.ts.
 *
 * @module
 */
import { PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import type { TaggedPoint } from "./queue.ts";
import type { Tags } from "./tags.ts";

/** The most points one call carries. */
export const MAX_BATCH_POINTS = 1000;
/** The most bytes one call carries, before the aggregator has said it takes less. */
export const MAX_BATCH_BYTES = 1 << 20;

/** Widest encoding of one field: key (2 bytes from field 16) + a 10-byte varint. */
const FIELD_BYTES = 12;
const POINT_BYTES = PublishRequestSchema.fields.length * FIELD_BYTES;
/** Per entry and per tag: key and length prefixes of the repeated and map fields. */
const FRAMING_BYTES = 8;

const utf8 = new TextEncoder();
/** Encoded size of each tag set; sources reuse theirs, so each is measured once. */
const tagBytes = new WeakMap<Tags, number>();

/** The most bytes an entry can encode to inside a `PublishBatchRequest`. */
export function entryBytes(entry: TaggedPoint): number {
  let tags = tagBytes.get(entry.tags);
  if (tags === undefined) {
    tags = 0;
    for (const [key, value] of Object.entries(entry.tags)) {
      tags += FRAMING_BYTES + utf8.encode(key).length + utf8.encode(value).length;
    }
    tagBytes.set(entry.tags, tags);
  }
  return POINT_BYTES + FRAMING_BYTES + tags;
}

/** The oldest entries that fit in one call of at most `maxBytes`; at least one. */
export function nextBatch(entries: readonly TaggedPoint[], maxBytes: number): TaggedPoint[] {
  const batch: TaggedPoint[] = [];
  let bytes = 0;
  for (const entry of entries) {
    bytes += entryBytes(entry);
    if (batch.length > 0 && (bytes > maxBytes || batch.length === MAX_BATCH_POINTS)) break;
    batch.push(entry);
  }
  return batch;
}

/** The request carrying `entries`, each with its tags, encoded by hand (./point_encoding.ts). */
export { encodeBatch as batchRequest } from "./point_encoding.ts";
