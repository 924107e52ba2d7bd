import assert from "node:assert/strict";
import { abortable, untilAborted } from "./mod.ts";

Deno.test("abortable: the promise's value while the signal stays quiet", async () => {
  const controller = new AbortController();
  assert.equal(await abortable(Promise.resolve(7), controller.signal), 7);
  await assert.rejects(abortable(Promise.reject(new Error("broken")), controller.signal), /broken/);
});

Deno.test("abortable: the signal's reason on abort; a late result goes to late()", async () => {
  const controller = new AbortController();
  const { promise, resolve } = Promise.withResolvers<string>();
  const late: string[] = [];
  const result = abortable(promise, controller.signal, (value) => late.push(value));
  controller.abort(new Error("gave up"));
  await assert.rejects(result, /gave up/);
  resolve("connection");
  await promise;
  await Promise.resolve();
  assert.deepEqual(late, ["connection"]);
});

Deno.test("abortable: an aborted signal rejects at once and still hands over the late result", async () => {
  const late: number[] = [];
  const result = abortable(
    Promise.resolve(3),
    AbortSignal.abort(new Error("already")),
    (value) => late.push(value),
  );
  await assert.rejects(result, /already/);
  await Promise.resolve();
  assert.deepEqual(late, [3]);
});

Deno.test("untilAborted: resolves when the signal aborts, at once if it has", async () => {
  const controller = new AbortController();
  let woken = false;
  const waiting = untilAborted(controller.signal).then(() => woken = true);
  await Promise.resolve();
  assert.equal(woken, false);
  controller.abort();
  await waiting;
  assert.equal(woken, true);
  await untilAborted(AbortSignal.abort());
});
