import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { deadline } from "./mod.ts";

function install() {
  return FakeTimers.install({ toFake: ["setTimeout", "clearTimeout"] });
}

Deno.test("deadline: the work's value when it settles in time, and its timer is cleared", async () => {
  const clock = install();
  try {
    const result = deadline(Promise.resolve("done"), 1_000, () => "late");
    assert.equal(await result, "done");
    assert.equal(clock.countTimers(), 0);
  } finally {
    clock.uninstall();
  }
});

Deno.test("deadline: the work's rejection when it fails in time", async () => {
  const clock = install();
  try {
    await assert.rejects(deadline(Promise.reject(new Error("broken")), 1_000, () => 0), /broken/);
    assert.equal(clock.countTimers(), 0);
  } finally {
    clock.uninstall();
  }
});

Deno.test("deadline: expired()'s value, or its exception, once the time is up", async () => {
  const clock = install();
  try {
    const never = new Promise<string>(() => {});
    const fallback = deadline(never, 1_000, () => "late");
    const thrown = deadline(never, 2_000, () => {
      throw new Error("timed out after 2000 ms waiting");
    });
    thrown.catch(() => {});
    await clock.tickAsync(999);
    const early = await Promise.race([fallback, Promise.resolve("pending")]);
    assert.equal(early, "pending");
    await clock.tickAsync(1);
    assert.equal(await fallback, "late");
    await clock.tickAsync(1_000);
    await assert.rejects(thrown, /timed out after 2000 ms waiting/);
  } finally {
    clock.uninstall();
  }
});
