import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import { type PointFields, pointMessage } from "./point_message.ts";

const EVERY_FIELD: PointFields = {
  unixTime: 1_796_232_178n,
  running: true,
  milliCpuUsage: 12n,
  memoryTotalMb: 52n,
  memoryRssMb: 48n,
  memoryLimitMb: 256n,
  diskUsageMb: -1n,
  diskLimitMb: -1n,
  diskReadKbps: 3n,
  diskWriteKbps: 4n,
  diskReadIops: 5n,
  diskWriteIops: 6n,
  pidsCurrent: 1n,
  pidsLimit: 64n,
  cpuLimitMilli: 500n,
  cpuThrottledPeriods: 7n,
  cpuThrottledMilli: 8n,
  memoryOomKills: 0n,
  memoryWorkingSetMb: 48n,
  memoryCacheMb: 4n,
  cpuPressureSomeAvg10: 10.9,
  cpuPressureFullAvg10: 10.75,
  memoryPressureSomeAvg10: 0,
  memoryPressureFullAvg10: 0.5,
  ioPressureSomeAvg10: 1.25,
  ioPressureFullAvg10: 0,
};

Deno.test("a point message equals protobuf-es's, every field set", () => {
  assert.deepEqual(pointMessage(EVERY_FIELD), create(PublishRequestSchema, EVERY_FIELD));
  assert.equal(
    Object.keys(pointMessage(EVERY_FIELD)).length,
    PublishRequestSchema.fields.length + 1,
    "every field, and $typeName",
  );
});

Deno.test("a point message equals protobuf-es's with metrics absent: zeros, and no optional field", () => {
  for (
    const fields of [{ unixTime: 5n, running: false }, {
      unixTime: 5n,
      running: true,
      pidsCurrent: 2n,
      memoryOomKills: 0n,
    }]
  ) {
    const message = pointMessage(fields);
    assert.deepEqual(message, create(PublishRequestSchema, fields));
    assert.ok(!("cpuLimitMilli" in message));
  }
});
