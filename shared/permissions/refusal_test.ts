import assert from "node:assert/strict";
import { permissionRefusal, withoutFlagAdvice } from "./refusal.ts";

Deno.test({
  name: "Deno's refusal is reworded without advising a broader flag",
  permissions: { write: false },
  fn() {
    let refusal: unknown;
    try {
      Deno.mkdirSync("/nonexistent-refusal-probe/x");
    } catch (error) {
      refusal = error;
    }
    const line = permissionRefusal(refusal, "AGGREGATOR_SPOOL_PATH");
    assert.ok(line, String(refusal));
    assert.match(
      line,
      /^write access to "\/nonexistent-refusal-probe\/x" was refused: .*AGGREGATOR_SPOOL_PATH/,
    );
    assert.doesNotMatch(line, /--allow/);
    assert.equal(permissionRefusal(new Error("other"), "X"), undefined);
  },
});

Deno.test("flag advice inside a longer message is dropped", () => {
  assert.equal(
    withoutFlagAdvice(
      `cannot open x: Requires read access to "/a", run again with the --allow-read flag`,
    ),
    `cannot open x: Requires read access to "/a" (not granted)`,
  );
});
