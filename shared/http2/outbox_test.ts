import assert from "node:assert/strict";
import { socketPair } from "../../tests/support/memory_socket.ts";
import { FRAME_OVERHEAD_BYTES, Outbox } from "./outbox.ts";

Deno.test("each queued frame costs its bytes plus the overhead, until its write completes", async () => {
  const [server, client] = socketPair();
  const costs: number[] = [];
  const outbox = new Outbox(server, {
    onWriteError: () => {},
    onCost: (delta) => costs.push(delta),
  });
  server.stall();
  assert.equal(outbox.push(new Uint8Array(17)), true);
  assert.equal(outbox.cost, 17 + FRAME_OVERHEAD_BYTES);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(outbox.push(new Uint8Array(17)), true);
  assert.equal(outbox.cost, 2 * (17 + FRAME_OVERHEAD_BYTES), "still counted while being written");
  server.resume();
  const buffer = new Uint8Array(64);
  let read = 0;
  while (read < 34) read += (await client.read(buffer))!;
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(outbox.cost, 0);
  assert.equal(costs.reduce((sum, delta) => sum + delta, 0), 0, "every charge released");
  await outbox.close();
});

Deno.test("past maxBytes a push is refused, overhead included", () => {
  const [server] = socketPair();
  const outbox = new Outbox(server, {
    onWriteError: () => {},
    maxBytes: 10 * FRAME_OVERHEAD_BYTES,
  });
  server.stall();
  let accepted = 0;
  while (outbox.push(new Uint8Array(17))) accepted++;
  assert.equal(accepted, Math.floor(10 * FRAME_OVERHEAD_BYTES / (17 + FRAME_OVERHEAD_BYTES)));
  outbox.destroy();
});

Deno.test("a write with no progress fails the connection at its deadline", async () => {
  const [server] = socketPair();
  const failed = Promise.withResolvers<unknown>();
  const outbox = new Outbox(server, { onWriteError: failed.resolve, writeTimeoutMs: 50 });
  server.stall();
  outbox.push(new Uint8Array(10));
  const start = performance.now();
  const error = await failed.promise;
  assert.match(String(error), /no write progress for 50 ms/);
  assert.ok(performance.now() - start < 1000);
  assert.equal(server.closed, true, "the socket is released");
});

Deno.test("closing never waits on a blocked write beyond the linger time", async () => {
  const [server] = socketPair();
  const outbox = new Outbox(server, { onWriteError: () => {}, lingerMs: 50 });
  server.stall();
  outbox.push(new Uint8Array(10));
  const start = performance.now();
  await outbox.close();
  assert.ok(performance.now() - start < 1000, "closed after the linger");
  assert.equal(server.closed, true);
  assert.equal(outbox.push(new Uint8Array(1)), true, "ignored once closed");
});

Deno.test("end writes what is queued, then ends only the sending side", async () => {
  const [server, client] = socketPair();
  const outbox = new Outbox(server, { onWriteError: () => {} });
  outbox.push(Uint8Array.of(1, 2, 3));
  await outbox.end();
  const buffer = new Uint8Array(8);
  assert.equal(await client.read(buffer), 3);
  assert.equal(await client.read(buffer), null, "end of stream after the bytes");
  assert.equal(server.closed, false, "still open for reading");
  outbox.destroy();
  assert.equal(server.closed, true);
});
