import assert from "node:assert/strict";
import { fixturePath } from "../../tests/support/cgroup_fixtures.ts";
import { detectVersion } from "./detect.ts";

Deno.test("detectVersion tells v1, hybrid and v2 roots apart", async () => {
  assert.equal(await detectVersion(fixturePath("v1-cgroupfs", "t0")), "v1");
  assert.equal(await detectVersion(fixturePath("hybrid-systemd", "t0")), "hybrid");
  assert.equal(await detectVersion(fixturePath("v2-cgroupfs", "t0")), "v2");
  assert.equal(await detectVersion(fixturePath("v2-systemd", "t1")), "v2");
});
