import assert from "node:assert/strict";
import { fixturePath, readCapture } from "../../../tests/support/cgroup_fixtures.ts";
import { locateV1 } from "./locate.ts";

Deno.test("locateV1 finds the container in every controller, cgroupfs and systemd layouts", async () => {
  for (const fixture of ["v1-cgroupfs", "hybrid-systemd"]) {
    const { containerId, relativePath } = await readCapture(fixture);
    const root = fixturePath(fixture, "t0");
    const at = (controller: string) => `${root}/${controller}/${relativePath}`;
    const expected = {
      cpuacct: at("cpuacct"),
      memory: at("memory"),
      blkio: at("blkio"),
      pids: at("pids"),
      cpu: at("cpu"),
    };
    assert.deepEqual(await locateV1(root, { containerId }), expected, fixture);
    assert.deepEqual(await locateV1(root, { containerId: "x", relativePath }), expected, fixture);
  }
});

Deno.test("locateV1: a missing required controller means not running; cpu is optional", async () => {
  const { containerId, relativePath } = await readCapture("v1-cgroupfs");
  const root = await Deno.makeTempDir();
  try {
    for (const controller of ["cpuacct", "memory", "blkio"]) {
      await Deno.mkdir(`${root}/${controller}/${relativePath}`, { recursive: true });
    }
    assert.equal(await locateV1(root, { containerId }), undefined, "pids is missing");
    await Deno.mkdir(`${root}/pids/${relativePath}`, { recursive: true });
    const paths = await locateV1(root, { containerId });
    assert.equal(paths?.pids, `${root}/pids/${relativePath}`);
    assert.equal(paths?.cpu, undefined);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
