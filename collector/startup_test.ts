import assert from "node:assert/strict";
import { cgroupRootProblem } from "./startup.ts";

async function withTempDir(test: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mini-collector-startup-" });
  try {
    await test(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a cgroup v2 root or a v1 root with controllers is accepted", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/cgroup.controllers`, "cpu io memory pids\n");
    assert.equal(await cgroupRootProblem(dir), undefined);
  });
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/memory`);
    assert.equal(await cgroupRootProblem(dir), undefined);
  });
});

Deno.test("a missing root names the path and the script that exposes it", async () => {
  await withTempDir(async (dir) => {
    const problem = await cgroupRootProblem(`${dir}/cgroup`);
    assert.match(problem!, new RegExp(`${dir}/cgroup does not exist.*expose-cgroup\\.sh`));
  });
});

Deno.test("a directory that is not a cgroup filesystem is refused with the path", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/readme`, "");
    assert.match((await cgroupRootProblem(dir))!, new RegExp(`${dir} does not look like a cgroup`));
  });
});
