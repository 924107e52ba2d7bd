import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { Code, ConnectError } from "@connectrpc/connect";
import { gzipCompression } from "./gzip.ts";

Deno.test("gzip: a message round-trips", async () => {
  const message = new TextEncoder().encode("enclave.milli_cpu_usage ".repeat(100));
  const packed = await gzipCompression.compress(message);
  assert.ok(packed.length < message.length);
  assert.deepEqual(await gzipCompression.decompress(packed, message.length), message);
});

Deno.test("gzip: a message inflating past readMaxBytes is resource_exhausted", async () => {
  const bomb = gzipSync(new Uint8Array(1 << 20));
  await assert.rejects(gzipCompression.decompress(bomb, 64 * 1024), (error) => {
    assert.ok(error instanceof ConnectError);
    assert.equal(error.code, Code.ResourceExhausted);
    assert.match(error.message, /inflates past 65536 bytes/);
    return true;
  });
});

Deno.test("gzip: bytes that are not gzip are invalid_argument; empty is empty", async () => {
  await assert.rejects(gzipCompression.decompress(new Uint8Array([1, 2, 3, 4]), 1024), (error) => {
    assert.ok(error instanceof ConnectError);
    assert.equal(error.code, Code.InvalidArgument);
    return true;
  });
  assert.equal((await gzipCompression.decompress(new Uint8Array(0), 1024)).length, 0);
});
