import assert from "node:assert/strict";
import { fixturePath, readCapture } from "../../../tests/support/cgroup_fixtures.ts";
import { locateV1 } from "./locate.ts";

Deno.test("locateV1 finds the container in every controller, cgroupfs and systemd layouts", async () => {
  for (const fixture of ["v1-cgroupfs", "hybrid-systemd"]) {
    const { relativePath } = await readCapture(fixture);
    const root = fixturePath(fixture, "t0");
    const at = (controller: string) => `${root}/${controller}/${relativePath}`;
    const expected = {
      cpuacct: at("cpuacct"),
      memory: at("memory"),
      blkio: at("blkio"),
      pids: at("pids"),
      cpu: at("cpu"),
    };
    assert.deepEqual(await locateV1(root, { relativePaths: [relativePath] }), expected, fixture);
    assert.deepEqual(
      await locateV1(root, { relativePaths: ["other/x", relativePath] }),
      expected,
      fixture,
    );
  }
});

Deno.test("locateV1: a missing required controller means not running; cpu and pids are optional", async () => {
  const { relativePath } = await readCapture("v1-cgroupfs");
  const root = await Deno.makeTempDir();
  try {
    for (const controller of ["cpuacct", "memory"]) {
      await Deno.mkdir(`${root}/${controller}/${relativePath}`, { recursive: true });
    }
    assert.equal(
      await locateV1(root, { relativePaths: [relativePath] }),
      undefined,
      "blkio is missing",
    );
    await Deno.mkdir(`${root}/blkio/${relativePath}`, { recursive: true });
    const at = (controller: string) => `${root}/${controller}/${relativePath}`;
    assert.deepEqual(await locateV1(root, { relativePaths: [relativePath] }), {
      cpuacct: at("cpuacct"),
      memory: at("memory"),
      blkio: at("blkio"),
      cpu: undefined,
      pids: undefined,
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("locateV1 on the capture without the pids hierarchy: found, pids absent", async () => {
  const { relativePath } = await readCapture("v1-cgroupfs-no-pids");
  const root = fixturePath("v1-cgroupfs-no-pids", "t1");
  const paths = await locateV1(root, { relativePaths: [relativePath] });
  assert.ok(paths, "the container is found without pids/");
  assert.equal(paths.pids, undefined);
  assert.equal(paths.memory, `${root}/memory/${relativePath}`);
  assert.equal(paths.cpu, `${root}/cpu/${relativePath}`);
});
