import assert from "node:assert/strict";
import { CgroupSampler } from "./cgroup/mod.ts";
import { setupLogging } from "../shared/log.ts";
import { diskUsage } from "./disk.ts";
import { PointSampler } from "./point_sampler.ts";
import { copyFixture } from "../tests/support/cgroup_fixture_copy.ts";
import { fixturePath, readCapture } from "../tests/support/cgroup_fixtures.ts";
import { dockerCgroupPaths } from "./host/docker_layout.ts";

const FIXTURE = `${fixturePath("v1-cgroupfs")}/`;
const { containerId } = await readCapture("v1-cgroupfs");
const MIB = 1024n * 1024n;

async function fixtureNumber(snapshot: string, file: string): Promise<bigint> {
  const controller = file.split(".")[0];
  return BigInt(
    (await Deno.readTextFile(`${FIXTURE}${snapshot}/${controller}/docker/${containerId}/${file}`))
      .trim(),
  );
}

Deno.test("a point joins the poll's wall-clock second, the cgroup reading and the disk usage", async () => {
  const volume = await Deno.makeTempDir({ prefix: "mini-collector-volume-" });
  try {
    const points = new PointSampler(
      new CgroupSampler({ root: `${FIXTURE}t1`, relativePaths: dockerCgroupPaths(containerId) }),
      volume,
    );
    const wallMs = Date.UTC(2026, 10, 25, 12, 0, 7, 999);
    const point = await points.sample({ wallMs, monotonicMs: 1_000 });
    assert.equal(point.unixTime, BigInt(Math.floor(wallMs / 1000)));
    assert.equal(point.running, true);
    assert.equal(point.memoryTotalMb, (await fixtureNumber("t1", "memory.usage_in_bytes")) / MIB);
    assert.equal(point.memoryLimitMb, (await fixtureNumber("t1", "memory.limit_in_bytes")) / MIB);
    assert.equal(point.pidsCurrent, await fixtureNumber("t1", "pids.current"));
    assert.equal(point.milliCpuUsage, 0n, "the first sample has no rate yet");
    assert.equal(point.diskLimitMb, (await diskUsage(volume, [])).diskLimitMb);
    assert.ok(point.diskLimitMb > 0n && point.diskUsageMb >= 0n);
  } finally {
    await Deno.remove(volume);
  }
});

Deno.test("a garbled cgroup file is logged by name and the rest of the point is still sent", async () => {
  const lines: string[] = [];
  setupLogging({ debug: false, json: true, write: (line) => lines.push(line) });
  const root = await copyFixture("v1-cgroupfs", "t1");
  try {
    await Deno.writeTextFile(
      `${root}/memory/docker/${containerId}/memory.usage_in_bytes`,
      "garbage\n",
    );
    const points = new PointSampler(
      new CgroupSampler({ root, relativePaths: dockerCgroupPaths(containerId) }),
      undefined,
    );
    const point = await points.sample({ wallMs: Date.now(), monotonicMs: 0 });
    assert.equal(point.running, true);
    assert.equal(point.memoryTotalMb, 0n);
    assert.equal(point.pidsCurrent, await fixtureNumber("t1", "pids.current"));
    assert.deepEqual([point.diskUsageMb, point.diskLimitMb], [-1n, -1n]);
    const errors = lines.map((line) => JSON.parse(line)).filter((r) => r.level === "ERROR");
    assert.equal(errors.length, 1);
    assert.match(errors[0].properties.error, /memory\.usage_in_bytes/);
    // The same problem at the next poll is counted, not logged again.
    await points.sample({ wallMs: Date.now(), monotonicMs: 1_000 });
    assert.equal(lines.length, 1);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a container that is gone is sent as not running", async () => {
  const points = new PointSampler(
    new CgroupSampler({ root: `${FIXTURE}t1`, relativePaths: dockerCgroupPaths("f".repeat(64)) }),
    undefined,
  );
  const point = await points.sample({ wallMs: Date.now(), monotonicMs: 0 });
  assert.equal(point.running, false);
  assert.equal(point.memoryTotalMb, 0n);
});
