/**
 * Golden test of the wire contract: bytes hand-encoded with the protobuf rules
 * the Go original's generated code follows (varints, zigzag for sint64,
 * little-endian doubles), one field per line, decoded and re-encoded.
 */
import assert from "node:assert/strict";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { PublishRequestSchema } from "./gen/aggregator_pb.ts";

const GOLDEN = [
  "0880e2cfaa06", // 1 unix_time = 1700000000
  "1001", // 2 running = true
  "18d209", // 3 milli_cpu_usage = 1234
  "208004", // 4 memory_total_mb = 512
  "288002", // 5 memory_rss_mb = 256
  "30ffffffffffff01", // 6 memory_limit_mb = 8796093022207 (9223372036854771712 B, "no limit")
  "3801", // 7 disk_usage_mb = -1 (zigzag 1)
  "40ffbf02", // 8 disk_limit_mb = -20480 (zigzag 40959)
  "480a", // 9 disk_read_kbps = 10
  "5014", // 10 disk_write_kbps = 20
  "5803", // 11 disk_read_iops = 3
  "6004", // 12 disk_write_iops = 4
  "6811", // 13 pids_current = 17
  "708020", // 14 pids_limit = 4096
  "78dc0b", // 15 cpu_limit_milli = 1500
  "800107", // 16 cpu_throttled_periods = 7
  "88017d", // 17 cpu_throttled_milli = 125
  "900100", // 18 memory_oom_kills = 0 (present: optional fields keep an explicit zero)
  "9801ac02", // 19 memory_working_set_mb = 300
  "a0012c", // 20 memory_cache_mb = 44
  "a901000000000000f43f", // 21 cpu_pressure_some_avg10 = 1.25
  "b101000000000000e03f", // 22 cpu_pressure_full_avg10 = 0.5
  "b9010000000000802940", // 23 memory_pressure_some_avg10 = 12.75
  "c1010000000000000000", // 24 memory_pressure_full_avg10 = 0
  "c9010000000000000c40", // 25 io_pressure_some_avg10 = 3.5
  "d1018fc2f5285cff5840", // 26 io_pressure_full_avg10 = 99.99
].join("");

function bytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16));
}

function hex(data: Uint8Array): string {
  return Array.from(data, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

Deno.test("a message encoded by the original rules decodes field by field", () => {
  const message = fromBinary(PublishRequestSchema, bytes(GOLDEN));
  assert.equal(message.unixTime, 1700000000n);
  assert.equal(message.running, true);
  assert.equal(message.milliCpuUsage, 1234n);
  assert.equal(message.memoryTotalMb, 512n);
  assert.equal(message.memoryRssMb, 256n);
  assert.equal(message.memoryLimitMb, 9223372036854771712n / 1048576n);
  assert.equal(message.diskUsageMb, -1n);
  assert.equal(message.diskLimitMb, -20480n);
  assert.equal(message.diskReadKbps, 10n);
  assert.equal(message.diskWriteKbps, 20n);
  assert.equal(message.diskReadIops, 3n);
  assert.equal(message.diskWriteIops, 4n);
  assert.equal(message.pidsCurrent, 17n);
  assert.equal(message.pidsLimit, 4096n);
  assert.equal(message.cpuLimitMilli, 1500n);
  assert.equal(message.cpuThrottledPeriods, 7n);
  assert.equal(message.cpuThrottledMilli, 125n);
  assert.equal(message.memoryOomKills, 0n);
  assert.equal(message.memoryWorkingSetMb, 300n);
  assert.equal(message.memoryCacheMb, 44n);
  assert.equal(message.cpuPressureSomeAvg10, 1.25);
  assert.equal(message.cpuPressureFullAvg10, 0.5);
  assert.equal(message.memoryPressureSomeAvg10, 12.75);
  assert.equal(message.memoryPressureFullAvg10, 0);
  assert.equal(message.ioPressureSomeAvg10, 3.5);
  assert.equal(message.ioPressureFullAvg10, 99.99);
});

Deno.test("re-encoding yields the original bytes", () => {
  const message = fromBinary(PublishRequestSchema, bytes(GOLDEN));
  assert.equal(hex(toBinary(PublishRequestSchema, message)), GOLDEN);
});

Deno.test("absent optional metrics stay off the wire, as a Go original expects", () => {
  const message = create(PublishRequestSchema, { unixTime: 1700000000n, diskUsageMb: -1n });
  assert.equal(hex(toBinary(PublishRequestSchema, message)), "0880e2cfaa06" + "3801");
  const decoded = fromBinary(PublishRequestSchema, bytes("0880e2cfaa06"));
  assert.equal(decoded.cpuLimitMilli, undefined);
  assert.equal(decoded.memoryOomKills, undefined);
});
