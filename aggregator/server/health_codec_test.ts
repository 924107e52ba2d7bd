import assert from "node:assert/strict";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import {
  decodeHealthRequest,
  decodeHealthResponse,
  encodeHealthResponse,
  frame,
  ServingStatus,
  unframe,
} from "./health_codec.ts";

Deno.test("health messages match the grpc.health.v1 wire format", () => {
  // HealthCheckResponse{status: NOT_SERVING} is field 1, varint 2.
  assert.deepEqual([...encodeHealthResponse(ServingStatus.NOT_SERVING)], [0x08, 0x02]);
  assert.equal(decodeHealthResponse(new Uint8Array([0x08, 0x01])), ServingStatus.SERVING);
  const request = new BinaryWriter()
    .tag(7, WireType.Varint).int32(1) // an unknown field is skipped
    .tag(1, WireType.LengthDelimited).string("Aggregator")
    .finish();
  assert.equal(decodeHealthRequest(request), "Aggregator");
  assert.equal(decodeHealthRequest(new Uint8Array()), "");
});

Deno.test("gRPC framing: 5-byte prefix, truncation and compression refused", () => {
  const framed = frame(new Uint8Array([0x08, 0x01]));
  assert.deepEqual([...framed], [0, 0, 0, 0, 2, 0x08, 0x01]);
  assert.deepEqual([...unframe(framed)], [0x08, 0x01]);
  assert.throws(() => unframe(framed.subarray(0, 6)), /truncated/);
  assert.throws(() => unframe(new Uint8Array([1, 0, 0, 0, 0])), /compressed/);
});
