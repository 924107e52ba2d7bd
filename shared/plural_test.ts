import assert from "node:assert/strict";
import { plural } from "./plural.ts";

Deno.test("one takes the singular; zero and many the plural", () => {
  assert.equal(plural(1, "problem"), "1 problem");
  assert.equal(plural(0, "container"), "0 containers");
  assert.equal(plural(2, "check"), "2 checks");
  assert.equal(plural(1, "was", "were"), "1 was");
  assert.equal(plural(3, "was", "were"), "3 were");
});
