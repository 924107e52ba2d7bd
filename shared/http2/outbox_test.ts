import assert from "node:assert/strict";
import { Outbox } from "./outbox.ts";

/** A connected pair on 127.0.0.1 whose server end never reads. */
async function neverRead() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [client, server] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port: (listener.addr as Deno.NetAddr).port }),
    listener.accept(),
  ]);
  listener.close();
  return { client, close: () => server.close() };
}

Deno.test("each queued frame costs its bytes plus the overhead, so many small frames reach the cap", async () => {
  const pair = await neverRead();
  const outbox = new Outbox(pair.client, {
    onWriteError: () => {},
    maxBytes: 2_000,
    frameOverheadBytes: 256,
  });
  const accepted = Array.from({ length: 8 }, () => outbox.push(new Uint8Array(17)));
  // 7 × 273 = 1,911 bytes fit; the 8th frame makes 2,184.
  assert.deepEqual(accepted, [true, true, true, true, true, true, true, false]);
  await outbox.close();
  pair.close();
});

Deno.test("a write that makes no progress fails at its deadline, counted until then, and closing does not wait on it", async () => {
  const pair = await neverRead();
  const failed = Promise.withResolvers<unknown>();
  const outbox = new Outbox(pair.client, {
    onWriteError: failed.resolve,
    maxBytes: 64 * 1024 * 1024,
    writeTimeoutMs: 300,
  });
  const started = Date.now();
  // More than the kernel buffers of a loopback pair: the write blocks.
  for (let chunk = 0; chunk < 8; chunk++) assert.ok(outbox.push(new Uint8Array(4 * 1024 * 1024)));
  await new Promise((resolve) => setTimeout(resolve, 100));
  // The write is under way and blocked: its bytes still count.
  assert.equal(outbox.bytes, 32 * 1024 * 1024);
  const error = await failed.promise;
  assert.match(String(error), /made no progress for 300 ms/);
  await outbox.close();
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 5_000, `${elapsed} ms`);
  pair.close();
});
