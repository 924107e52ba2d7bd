import assert from "node:assert/strict";
import { fixturePath, readCapture } from "../../tests/support/cgroup_fixtures.ts";
import { candidatePaths, findCgroup } from "./locate.ts";

Deno.test("candidatePaths: the given paths in order, without leading slashes", () => {
  assert.deepEqual(candidatePaths({ relativePaths: ["/kubepods/pod1/abc", "docker/abc"] }), [
    "kubepods/pod1/abc",
    "docker/abc",
  ]);
});

Deno.test("findCgroup: the first given path that exists, or undefined", async () => {
  const cgroupfs = await readCapture("v2-cgroupfs");
  const systemd = await readCapture("v2-systemd");
  const root = fixturePath("v2-systemd", "t0");
  assert.equal(
    await findCgroup(root, { relativePaths: [cgroupfs.relativePath, `/${systemd.relativePath}`] }),
    `${root}/${systemd.relativePath}`,
  );
  assert.equal(await findCgroup(root, { relativePaths: [cgroupfs.relativePath] }), undefined);
  assert.equal(await findCgroup(root, { relativePaths: [] }), undefined);
});
