import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { isRetryable } from "./retry.ts";

Deno.test("transient failures are retried", () => {
  for (
    const code of [
      Code.Unavailable,
      Code.Internal,
      Code.ResourceExhausted,
      Code.DeadlineExceeded,
      Code.Unknown,
      Code.Canceled,
    ]
  ) {
    assert.ok(isRetryable(new ConnectError("x", code)), Code[code]);
  }
});

Deno.test("a plain network error (no status) is retried", () => {
  assert.ok(isRetryable(new TypeError("fetch failed: connection refused")));
  assert.ok(
    isRetryable(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })),
  );
});

Deno.test("refusals of the point itself are not retried", () => {
  for (
    const code of [
      Code.InvalidArgument,
      Code.PermissionDenied,
      Code.Unauthenticated,
      Code.Unimplemented,
      Code.FailedPrecondition,
      Code.NotFound,
    ]
  ) {
    assert.ok(!isRetryable(new ConnectError("x", code)), Code[code]);
  }
});
