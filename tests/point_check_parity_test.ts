/**
 * The collector's `--check` validates its samples with shared/point/, the
 * aggregator still with its own aggregator/server/validate.ts and
 * aggregator/stored_point.ts (they move onto shared/point/ in a later change).
 * Until then both must accept the same points, store them alike and refuse
 * the same ones with the same reason and message; once validate.ts imports
 * shared/point/, delete this test.
 *
 * @module
 */
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { type PublishRequest, PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import { batchPointFrom, METRIC_FIELDS } from "../shared/point/mod.ts";
import { batchPointFrom as aggregatorBatchPointFrom } from "../aggregator/server/validate.ts";
import { METRIC_FIELDS as AGGREGATOR_METRIC_FIELDS } from "../aggregator/stored_point.ts";

const NOW_MS = Date.UTC(2026, 0, 1);
const NOW = BigInt(NOW_MS / 1000);
const TAGS = { environment: "prod", service: "web", container: "abc", host: "h1" };

const cases: [string, Record<string, string>, PublishRequest | undefined][] = [
  ["a complete point", TAGS, create(PublishRequestSchema, { unixTime: NOW, running: true })],
  [
    "optional tags",
    { ...TAGS, app: "a", database: "d" },
    create(PublishRequestSchema, {
      unixTime: NOW,
      milliCpuUsage: 12n,
    }),
  ],
  ["no point", TAGS, undefined],
  ["a missing tag", { environment: "prod" }, create(PublishRequestSchema, { unixTime: NOW })],
  [
    "an invalid tag",
    { ...TAGS, service: "a, b" },
    create(PublishRequestSchema, {
      unixTime: NOW,
    }),
  ],
  ["before 2000", TAGS, create(PublishRequestSchema, { unixTime: 1n })],
  ["a day old", TAGS, create(PublishRequestSchema, { unixTime: NOW - 86_401n })],
  ["an hour ahead", TAGS, create(PublishRequestSchema, { unixTime: NOW + 3_601n })],
  [
    "beyond a safe integer",
    TAGS,
    create(PublishRequestSchema, {
      unixTime: NOW,
      memoryTotalMb: BigInt(Number.MAX_SAFE_INTEGER) + 1n,
    }),
  ],
];

function outcome(
  check: typeof batchPointFrom,
  tags: Record<string, string>,
  point?: PublishRequest,
) {
  try {
    return { stored: check(tags, point, NOW_MS) };
  } catch (error) {
    const refused = error as Error & { reason: string };
    return { refused: [refused.name, refused.reason, refused.message] };
  }
}

Deno.test("shared/point and the aggregator's validation store and refuse points alike", () => {
  assert.deepEqual(METRIC_FIELDS, AGGREGATOR_METRIC_FIELDS);
  let refused = 0;
  for (const [what, tags, point] of cases) {
    const shared = outcome(batchPointFrom, tags, point);
    assert.deepEqual(shared, outcome(aggregatorBatchPointFrom, tags, point), what);
    if ("refused" in shared) refused++;
  }
  assert.equal(refused, cases.length - 2, "every case but the first two is refused");
});
