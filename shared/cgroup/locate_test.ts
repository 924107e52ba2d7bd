import assert from "node:assert/strict";
import { fixturePath, readCapture } from "../../tests/support/cgroup_fixtures.ts";
import { candidatePaths, findCgroup } from "./locate.ts";

Deno.test("candidatePaths: cgroupfs then systemd driver, or the explicit path alone", () => {
  assert.deepEqual(candidatePaths({ containerId: "abc" }), [
    "docker/abc",
    "system.slice/docker-abc.scope",
  ]);
  assert.deepEqual(candidatePaths({ containerId: "abc", relativePath: "/kubepods/pod1/abc" }), [
    "kubepods/pod1/abc",
  ]);
});

Deno.test("findCgroup finds both layouts and honours an explicit path", async () => {
  const cgroupfs = await readCapture("v2-cgroupfs");
  const systemd = await readCapture("v2-systemd");
  const root = fixturePath("v2-systemd", "t0");
  assert.equal(
    await findCgroup(root, { containerId: systemd.containerId }),
    `${root}/${systemd.relativePath}`,
  );
  assert.equal(await findCgroup(root, { containerId: cgroupfs.containerId }), undefined);
  assert.equal(
    await findCgroup(root, { containerId: "ignored", relativePath: `/${systemd.relativePath}` }),
    `${root}/${systemd.relativePath}`,
  );
  assert.equal(
    await findCgroup(fixturePath("v2-cgroupfs", "t0"), { containerId: cgroupfs.containerId }),
    fixturePath("v2-cgroupfs", "t0", cgroupfs.relativePath),
  );
});
