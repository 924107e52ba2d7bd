import assert from "node:assert/strict";
import { fixturePath, readCapture } from "../../../tests/support/cgroup_fixtures.ts";
import { locateV2 } from "./locate.ts";

Deno.test("locateV2 finds cgroupfs and systemd layouts, or nothing", async () => {
  for (const fixture of ["v2-cgroupfs", "v2-systemd"]) {
    const { relativePath } = await readCapture(fixture);
    const root = fixturePath(fixture, "t1");
    assert.equal(
      await locateV2(root, { relativePaths: [relativePath] }),
      `${root}/${relativePath}`,
    );
    assert.equal(await locateV2(root, { relativePaths: [`docker/${"0".repeat(64)}`] }), undefined);
  }
});
