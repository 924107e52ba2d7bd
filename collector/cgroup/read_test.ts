import assert from "node:assert/strict";
import { fixturePath, readCapture } from "../../tests/support/cgroup_fixtures.ts";
import { openPerRead } from "./files.ts";
import type { CgroupLocation } from "./locate.ts";
import { locateCgroup, readLocated } from "./read.ts";

/** Locates, then reads what was located, opening each file per read. */
async function readCgroup(root: string, location: CgroupLocation, errors: string[]) {
  const located = await locateCgroup(root, location, errors);
  return located && await readLocated(located, openPerRead, errors);
}

Deno.test("locateCgroup + readLocated: plain v1 has no pressure, hybrid takes it from unified/, v2 reads its own", async () => {
  for (
    const [fixture, cpuSomeAvg10] of [
      ["v1-cgroupfs", undefined],
      ["hybrid-systemd", 10.9],
      ["v2-cgroupfs", 2.07],
    ] as const
  ) {
    const { relativePath } = await readCapture(fixture);
    const errors: string[] = [];
    const raw = await readCgroup(
      fixturePath(fixture, "t1"),
      { relativePaths: [relativePath] },
      errors,
    );
    assert.deepEqual(errors, []);
    assert.ok(raw, fixture);
    assert.equal(raw.cpuPressure?.someAvg10, cpuSomeAvg10, fixture);
  }
});

Deno.test("locateCgroup + readLocated: a hybrid host whose unified/ lacks the container still reads v1", async () => {
  const { containerId } = await readCapture("hybrid-systemd");
  const errors: string[] = [];
  const raw = await readCgroup(
    fixturePath("hybrid-systemd", "t1"),
    { relativePaths: [`system.slice/docker-${containerId}.scope`] },
    errors,
  );
  assert.equal(raw?.pidsCurrent, 1n);
  const elsewhere = await readCgroup(fixturePath("hybrid-systemd", "t1"), {
    relativePaths: ["nowhere"],
  }, errors);
  assert.equal(elsewhere, undefined);
  assert.deepEqual(errors, []);
});

Deno.test("locateCgroup + readLocated: a missing container is undefined, a missing root is an error", async () => {
  const errors: string[] = [];
  const root = fixturePath("v2-systemd", "t0");
  assert.equal(
    await readCgroup(root, { relativePaths: [`docker/${"0".repeat(64)}`] }, errors),
    undefined,
  );
  assert.deepEqual(errors, []);
  assert.equal(await readCgroup(`${root}/absent`, { relativePaths: ["x"] }, errors), undefined);
  assert.deepEqual(errors, [`${root}/absent: the cgroup root is not a readable directory`]);
});
