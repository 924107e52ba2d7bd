import assert from "node:assert/strict";
import { DeadlineError, outputWithin, settledWithin, withDeadline } from "./deadline.ts";

Deno.test("withDeadline passes on what settles in time and clears its timer", async () => {
  assert.equal(await withDeadline(Promise.resolve("answer"), 1_000, "waiting for x"), "answer");
  await assert.rejects(
    withDeadline(Promise.reject(new Error("refused")), 1_000, "waiting for x"),
    /refused/,
  );
});

Deno.test("withDeadline fails a step that never settles, naming it", async () => {
  const error = await withDeadline(new Promise(() => {}), 20, "waiting for the answer to X")
    .catch((e) => e);
  assert.ok(error instanceof DeadlineError);
  assert.equal(error.message, "timed out after 20 ms waiting for the answer to X");
  assert.equal(error.step, "waiting for the answer to X");
});

Deno.test("settledWithin tells whether the work settled before the timer", async () => {
  assert.equal(await settledWithin(Promise.reject(new Error("gone")), 1_000), true);
  assert.equal(await settledWithin(new Promise(() => {}), 20), false);
});

Deno.test("outputWithin returns a command's output, or kills it at the deadline", async () => {
  const output = await outputWithin("sh", { args: ["-c", "echo hi"] }, 5_000, "waiting for sh");
  assert.equal(new TextDecoder().decode(output.stdout), "hi\n");
  const started = Date.now();
  await assert.rejects(
    outputWithin("sleep", { args: ["30"] }, 200, "waiting for sleep 30"),
    /timed out after 200 ms waiting for sleep 30/,
  );
  assert.ok(Date.now() - started < 5_000, "sleep was killed, not waited for");
});
