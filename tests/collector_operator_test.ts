/**
 * What an operator sees from the real collector when its container's cgroup
 * comes and goes (container mode): one line at the first poll saying it is
 * not found, naming the directories tried and what running=0 means, one line
 * at each change, a controller the host lacks named once, and a volume that
 * vanished logged once, not every poll.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { copyFixture } from "./support/cgroup_fixture_copy.ts";
import { readCapture } from "./support/cgroup_fixtures.ts";
import { CollectorProcess } from "./support/collector_process.ts";
import { PublishServer } from "./support/publish_server.ts";

const FIXTURE = "v1-cgroupfs-no-pids";
const { containerId } = await readCapture(FIXTURE);
const CONTROLLERS = ["blkio", "cpu", "cpuacct", "memory"];

/** Moves the container's cgroup out of (or back into) every controller hierarchy. */
async function moveCgroup(root: string, present: boolean) {
  for (const controller of CONTROLLERS) {
    const live = join(root, controller, "docker", containerId);
    const aside = join(root, controller, "docker", `aside-${containerId.slice(0, 8)}`);
    await Deno.rename(present ? aside : live, present ? live : aside).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
}

const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern, "g"))?.length ?? 0;

Deno.test("the collector says when its container's cgroup is missing, found again and gone again", async () => {
  const root = await copyFixture(FIXTURE, "t0");
  const volume = await Deno.makeTempDir({ prefix: "mini-collector-volume-" });
  const server = await PublishServer.start();
  await moveCgroup(root, false);
  const collector = new CollectorProcess({
    MINI_COLLECTOR_REMOTE_ADDRESS: server.address,
    MINI_COLLECTOR_CONTAINER_ID: containerId,
    MINI_COLLECTOR_ENVIRONMENT_NAME: "staging",
    MINI_COLLECTOR_SERVICE_NAME: "web",
    MINI_COLLECTOR_CGROUP_PATH: root,
    MINI_COLLECTOR_MOUNT_PATH: join(volume, "data"),
    MINI_COLLECTOR_POLL_INTERVAL: "200ms",
  });
  try {
    await collector.waitForLog(/cgroup is not found/, 10_000);
    await server.waitForPoints(3, 10_000);
    assert.ok(server.received.every((received) => !received.request.running));
    await moveCgroup(root, true);
    await collector.waitForLog(/cgroup is found again/, 10_000);
    await moveCgroup(root, false);
    await collector.waitForLog(/cgroup is not found[^]*found again[^]*cgroup is not found/, 10_000);
    const polls = server.received.length;
    await server.waitForPoints(polls + 3, 10_000);
    assert.equal(await collector.stop("SIGTERM"), 0);
    const log = collector.stderr;
    console.log(log);
    assert.equal(count(log, /cgroup is not found/), 2, "once at start, once when it went again");
    assert.equal(count(log, /found again/), 1);
    assert.match(
      log,
      new RegExp(
        `\\[WRN\\] .*the container's cgroup is not found \\(tried ${root}/\\{cpuacct,memory,blkio\\}/docker/${containerId}, ` +
          `${root}/\\{cpuacct,memory,blkio\\}/system\\.slice/docker-${containerId}\\.scope; not found for cpuacct, memory, blkio\\): ` +
          `publishing running=0 with zero metrics, which the aggregator records as a stopped container`,
      ),
    );
    assert.equal(
      count(
        log,
        /the host has no pids controller \(no [^)]*\/pids\): pids_current and pids_limit are published as 0/,
      ),
      1,
    );
    assert.equal(
      count(log, /cannot measure disk usage of [^ ]*\/data/),
      1,
      "the gone volume, once",
    );
    assert.ok(!log.includes("\x1b["));
  } finally {
    await collector.stop("SIGKILL").catch(() => {});
    await server.close();
    await Deno.remove(root, { recursive: true });
    await Deno.remove(volume, { recursive: true });
  }
});
