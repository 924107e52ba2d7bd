/**
 * A point's PublishRequest, built as one object literal plus a named store
 * per optional field that is set. protobuf-es's `create` sets fields by
 * computed name, and V8 turns an object that gains more than a dozen
 * properties that way into a hash table: a host-mode point built so took
 * about 2 KiB of heap, three times what the same fields take in an object
 * of fixed shape, and every queued point pays it
 * (docs/ARCHITECTURE.md, "Memory"). The result equals `create`'s
 * (collector/point_message_test.ts).
 *
 * @module
 */
import type { PublishRequest } from "../shared/gen/aggregator_pb.ts";

/** A point's fields: the sample time and presence, with any metric absent when unknown. */
export type PointFields =
  & Pick<PublishRequest, "unixTime" | "running">
  & Partial<Omit<PublishRequest, "$typeName" | "unixTime" | "running">>;

/** The PublishRequest `create(PublishRequestSchema, fields)` makes, in a fixed shape. */
export function pointMessage(fields: PointFields): PublishRequest {
  const message: PublishRequest = {
    $typeName: "PublishRequest",
    unixTime: fields.unixTime,
    running: fields.running,
    milliCpuUsage: fields.milliCpuUsage ?? 0n,
    memoryTotalMb: fields.memoryTotalMb ?? 0n,
    memoryRssMb: fields.memoryRssMb ?? 0n,
    memoryLimitMb: fields.memoryLimitMb ?? 0n,
    diskUsageMb: fields.diskUsageMb ?? 0n,
    diskLimitMb: fields.diskLimitMb ?? 0n,
    diskReadKbps: fields.diskReadKbps ?? 0n,
    diskWriteKbps: fields.diskWriteKbps ?? 0n,
    diskReadIops: fields.diskReadIops ?? 0n,
    diskWriteIops: fields.diskWriteIops ?? 0n,
    pidsCurrent: fields.pidsCurrent ?? 0n,
    pidsLimit: fields.pidsLimit ?? 0n,
  };
  if (fields.cpuLimitMilli !== undefined) message.cpuLimitMilli = fields.cpuLimitMilli;
  if (fields.cpuThrottledPeriods !== undefined) {
    message.cpuThrottledPeriods = fields.cpuThrottledPeriods;
  }
  if (fields.cpuThrottledMilli !== undefined) message.cpuThrottledMilli = fields.cpuThrottledMilli;
  if (fields.memoryOomKills !== undefined) message.memoryOomKills = fields.memoryOomKills;
  if (fields.memoryWorkingSetMb !== undefined) {
    message.memoryWorkingSetMb = fields.memoryWorkingSetMb;
  }
  if (fields.memoryCacheMb !== undefined) message.memoryCacheMb = fields.memoryCacheMb;
  if (fields.cpuPressureSomeAvg10 !== undefined) {
    message.cpuPressureSomeAvg10 = fields.cpuPressureSomeAvg10;
  }
  if (fields.cpuPressureFullAvg10 !== undefined) {
    message.cpuPressureFullAvg10 = fields.cpuPressureFullAvg10;
  }
  if (fields.memoryPressureSomeAvg10 !== undefined) {
    message.memoryPressureSomeAvg10 = fields.memoryPressureSomeAvg10;
  }
  if (fields.memoryPressureFullAvg10 !== undefined) {
    message.memoryPressureFullAvg10 = fields.memoryPressureFullAvg10;
  }
  if (fields.ioPressureSomeAvg10 !== undefined) {
    message.ioPressureSomeAvg10 = fields.ioPressureSomeAvg10;
  }
  if (fields.ioPressureFullAvg10 !== undefined) {
    message.ioPressureFullAvg10 = fields.ioPressureFullAvg10;
  }
  return message;
}
