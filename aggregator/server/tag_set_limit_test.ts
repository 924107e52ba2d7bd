import assert from "node:assert/strict";
import { TagSetLimit } from "./tag_set_limit.ts";

const tags = (container: string, app?: string) => ({
  environment: "prod",
  service: "web",
  container,
  host_name: container.slice(0, 12),
  ...(app ? { app } : {}),
});

Deno.test("new tag sets are taken up to the cap per window; known ones always", () => {
  const limit = new TagSetLimit(2, 1000);
  assert.equal(limit.admit(tags("a"), 0), true);
  assert.equal(limit.admit(tags("b"), 10), true);
  assert.equal(limit.admit(tags("c"), 20), false, "a third set in the window");
  assert.equal(limit.admit(tags("a", "shop"), 30), false, "another app is another set");
  assert.equal(limit.admit(tags("a"), 999), true, "a known set stays welcome");
  // Next window: the sets of the previous one are taken, and count again.
  assert.equal(limit.admit(tags("a"), 1000), true);
  assert.equal(limit.admit(tags("c"), 1001), true, "one slot left in the new window");
  assert.equal(limit.admit(tags("b"), 1002), true, "known from the previous window");
  assert.equal(limit.admit(tags("d"), 1003), false);
  // Two windows of silence forget everything.
  assert.equal(limit.admit(tags("d"), 3500), true);
  assert.equal(limit.admit(tags("e"), 3501), true);
  assert.equal(limit.admit(tags("a"), 3502), false, "forgotten after two windows");
});
