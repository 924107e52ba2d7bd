import assert from "node:assert/strict";
import { fixturePath } from "../../tests/support/cgroup_fixtures.ts";
import { describeSearch, missingControllers } from "./search.ts";

const ABSENT = "e".repeat(64);
const TWO_LAYOUTS = { relativePaths: [`docker/${ABSENT}`, `system.slice/docker-${ABSENT}.scope`] };

Deno.test("on v2 the search names each directory tried", async () => {
  const root = fixturePath("v2-cgroupfs", "t0");
  assert.equal(
    await describeSearch(root, TWO_LAYOUTS),
    `tried ${root}/docker/${ABSENT}, ${root}/system.slice/docker-${ABSENT}.scope`,
  );
  assert.equal(
    await describeSearch(root, { relativePaths: ["/custom/x"] }),
    `tried ${root}/custom/x`,
  );
  assert.deepEqual(await missingControllers(root), []);
});

Deno.test("on v1 the search names the controllers lacking the container, and the host's missing ones", async () => {
  const root = fixturePath("v1-cgroupfs-no-pids", "t0");
  assert.match(
    await describeSearch(root, TWO_LAYOUTS),
    /^tried .*\/\{cpuacct,memory,blkio\}\/docker\/e{64}, .*; not found for cpuacct, memory, blkio$/,
  );
  const notes = await missingControllers(root);
  assert.deepEqual(notes, [
    `the host has no pids controller (no ${root}/pids): pids_current and pids_limit are published as 0`,
  ]);
});
