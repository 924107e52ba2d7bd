import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { deadline } from "./mod.ts";

/** Runs `test` with a fake clock installed, and uninstalls it whatever happens. */
async function withFakeClock(
  test: (clock: ReturnType<typeof FakeTimers.install>) => Promise<void>,
) {
  const clock = FakeTimers.install({ toFake: ["setTimeout", "clearTimeout"] });
  try {
    await test(clock);
  } finally {
    clock.uninstall();
  }
}

Deno.test("deadline: the work's value when it settles in time, and its timer is cleared", () =>
  withFakeClock(async (clock) => {
    assert.equal(await deadline(Promise.resolve("done"), 1_000, () => "late"), "done");
    assert.equal(clock.countTimers(), 0);
  }));

Deno.test("deadline: the work's rejection when it fails in time", () =>
  withFakeClock(async (clock) => {
    await assert.rejects(deadline(Promise.reject(new Error("broken")), 1_000, () => 0), /broken/);
    assert.equal(clock.countTimers(), 0);
  }));

Deno.test("deadline: expired()'s value, or its exception, once the time is up", () =>
  withFakeClock(async (clock) => {
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
  }));
