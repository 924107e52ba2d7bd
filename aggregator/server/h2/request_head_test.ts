import assert from "node:assert/strict";
import { ErrorCode, StreamError } from "../../../shared/http2/mod.ts";
import { requestHead } from "./request_head.ts";

const GOOD = [
  [":method", "POST"],
  [":scheme", "http"],
  [":authority", "127.0.0.1:8000"],
  [":path", "/Aggregator/Publish"],
  ["content-type", "application/grpc"],
  ["host", "web-1"],
] as const;

Deno.test("a request's pseudo-headers make its URL; host stays a header", () => {
  const head = requestHead(GOOD, "0.0.0.0:8000");
  assert.equal(head.method, "POST");
  assert.equal(head.url, "http://127.0.0.1:8000/Aggregator/Publish");
  assert.equal(head.header.get("host"), "web-1");
  assert.deepEqual([...head.header.keys()], ["content-type", "host"]);
  assert.equal(head.contentLength, undefined);
  assert.equal(requestHead([...GOOD, ["content-length", "12"]], "").contentLength, 12);
});

Deno.test("malformed header blocks are stream errors", () => {
  const cases: [string, [string, string][]][] = [
    ["no :path", GOOD.filter(([name]) => name !== ":path").map(([n, v]) => [n, v])],
    ["late pseudo-header", [...GOOD.map(([n, v]) => [n, v] as [string, string]), [":x", "1"]]],
    ["upper case", [...GOOD.map(([n, v]) => [n, v] as [string, string]), ["Service", "s"]]],
    ["connection field", [...GOOD.map(([n, v]) => [n, v] as [string, string]), [
      "connection",
      "x",
    ]]],
    ["NUL in a value", [...GOOD.map(([n, v]) => [n, v] as [string, string]), ["service", "a\0b"]]],
    ["content-length not a number", [...GOOD.map(([n, v]) => [n, v] as [string, string]), [
      "content-length",
      "-1",
    ]]],
  ];
  for (const [name, fields] of cases) {
    assert.throws(
      () => requestHead(fields, "0.0.0.0:8000"),
      (error) => error instanceof StreamError && error.code === ErrorCode.PROTOCOL_ERROR,
      name,
    );
  }
});
