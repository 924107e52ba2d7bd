import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import { ErrorCode } from "../../shared/http2/mod.ts";
import { decodeGrpcMessage, grpcStatusCode, httpStatusError, resetError } from "./status.ts";

Deno.test("grpc-message is percent-decoded; a malformed escape is kept", () => {
  // As grpc-go and python3-grpcio encode "point refused: 100% wrong ✗".
  assert.equal(
    decodeGrpcMessage("point refused: 100%25 wrong %E2%9C%97"),
    "point refused: 100% wrong ✗",
  );
  assert.equal(decodeGrpcMessage("50%zz done %41"), "50%zz done A");
});

Deno.test("grpc-status, HTTP status and stream resets map to codes", () => {
  assert.equal(grpcStatusCode("3"), Code.InvalidArgument);
  assert.equal(grpcStatusCode("14"), Code.Unavailable);
  assert.equal(grpcStatusCode("99"), Code.Unknown);
  assert.equal(grpcStatusCode("1x"), Code.Unknown);
  assert.equal(httpStatusError(503, "text/html").code, Code.Unavailable);
  assert.equal(httpStatusError(404, undefined).code, Code.Unimplemented);
  assert.equal(httpStatusError(500, undefined).code, Code.Unknown);
  assert.equal(resetError(ErrorCode.REFUSED_STREAM).code, Code.Unavailable);
  assert.equal(resetError(ErrorCode.CANCEL).code, Code.Canceled);
  assert.equal(resetError(ErrorCode.PROTOCOL_ERROR).code, Code.Internal);
});
