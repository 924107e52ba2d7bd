import assert from "node:assert/strict";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { ConnectError } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import {
  decodeHealthRequest,
  decodeHealthResponse,
  encodeHealthResponse,
  firstMessage,
  ServingStatus,
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

Deno.test("a gRPC body yields its first message; missing, truncated, compressed refused", async () => {
  // The gRPC envelope: flags byte, 4-byte big-endian length, message.
  const body = new Uint8Array([0, 0, 0, 0, 2, 0x08, 0x01]);
  assert.deepEqual([...encodeEnvelope(0, new Uint8Array([0x08, 0x01]))], [...body]);
  assert.deepEqual([...await firstMessage(body)], [0x08, 0x01]);
  const refusal = (bytes: Uint8Array) =>
    firstMessage(bytes).then(
      () => assert.fail("accepted"),
      (error) => {
        assert.ok(error instanceof ConnectError);
        return error.rawMessage;
      },
    );
  assert.match(await refusal(new Uint8Array()), /missing envelope/);
  assert.match(await refusal(body.subarray(0, 6)), /incomplete envelope/);
  assert.match(await refusal(new Uint8Array([1, 0, 0, 0, 0])), /compressed envelope/);
});
