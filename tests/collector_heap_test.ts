/**
 * The collector's heap sizing, proven on real points and the real entry
 * point: a queued point, sampled from fixture cgroups with every field set,
 * holds no more heap than collector/heap.ts counts for it; a collector whose
 * heap limit (fixed at build time in a binary) cannot hold its configured
 * queue refuses to start in one line, naming MINI_COLLECTOR_QUEUE_SIZE and
 * the limit; given the flags derived from that same queue, it starts.
 */
import assert from "node:assert/strict";
import { POINT_HEAP_BYTES } from "../collector/heap.ts";
import { copyFixture } from "./support/cgroup_fixture_copy.ts";
import { fixturePath, readCapture } from "./support/cgroup_fixtures.ts";
import { collectorFlags, CollectorProcess, denoCommand } from "./support/collector_process.ts";

const PROBE = new URL("./support/queued_point_heap.ts", import.meta.url).pathname;

for (const fixture of ["hybrid-systemd", "v2-cgroupfs"]) {
  Deno.test(`a queued point from ${fixture} holds at most ${POINT_HEAP_BYTES} bytes of heap`, async () => {
    const { relativePath, containerId } = await readCapture(fixture);
    const env = {
      MINI_COLLECTOR_REMOTE_ADDRESS: "127.0.0.1:9",
      MINI_COLLECTOR_CONTAINER_ID: containerId,
      MINI_COLLECTOR_ENVIRONMENT_NAME: "staging",
      MINI_COLLECTOR_SERVICE_NAME: "web",
      MINI_COLLECTOR_CGROUP_PATH: fixturePath(fixture, "t1"),
      MINI_COLLECTOR_QUEUE_SIZE: "5000",
    };
    const flags = collectorFlags(env).map((flag) =>
      flag.startsWith("--v8-flags=") ? `${flag},--expose-gc` : flag
    );
    const output = await denoCommand(flags, PROBE, env, [
      fixturePath(fixture, "t1"),
      relativePath,
      "5000",
    ]).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.ok(output.success, stderr);
    const { bytesPerPoint, fields } = JSON.parse(new TextDecoder().decode(output.stdout));
    assert.equal(fields, 26, "every field of the point is set");
    assert.ok(bytesPerPoint > 0 && bytesPerPoint <= POINT_HEAP_BYTES, `${bytesPerPoint} bytes`);
  });
}

Deno.test("a queue larger than the heap limit the flags fixed is refused at startup in one line; with its own flags it starts", async () => {
  const fixture = "v1-cgroupfs";
  const { containerId } = await readCapture(fixture);
  const root = await copyFixture(fixture, "t0");
  try {
    const built = {
      MINI_COLLECTOR_REMOTE_ADDRESS: "127.0.0.1:9",
      MINI_COLLECTOR_CONTAINER_ID: containerId,
      MINI_COLLECTOR_ENVIRONMENT_NAME: "staging",
      MINI_COLLECTOR_SERVICE_NAME: "web",
      MINI_COLLECTOR_CGROUP_PATH: root,
    };
    const run = { ...built, MINI_COLLECTOR_QUEUE_SIZE: "100000" };
    const refused = new CollectorProcess(run, collectorFlags(built));
    assert.equal(await refused.stop(), 2, refused.stderr);
    const lines = refused.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, refused.stderr);
    assert.match(
      lines[0],
      /^mini-collector: MINI_COLLECTOR_QUEUE_SIZE: 100000 points need a V8 heap of 130 MiB, but this process's heap limit is 36 MiB .*at most 4096,/,
    );

    const started = new CollectorProcess(run);
    try {
      await started.waitForLog(/collector starting: .*queue 100000/, 60_000);
    } finally {
      assert.equal(await started.stop("SIGTERM"), 0, started.stderr);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
