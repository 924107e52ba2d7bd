import assert from "node:assert/strict";
import { collectorConfig, envFrom } from "../shared/config/mod.ts";
import { setupLogging } from "../shared/log.ts";
import { createPipeline } from "./pipeline.ts";
import { fixturePath, readCapture } from "../tests/support/cgroup_fixtures.ts";
import { PublishServer } from "../tests/support/publish_server.ts";

const { containerId } = await readCapture("v1-cgroupfs");

Deno.test("a pipeline samples its cgroup and publishes with its tags, the config's or the caller's", async () => {
  setupLogging({ debug: false, json: false, write: () => {} });
  const server = await PublishServer.start();
  const config = collectorConfig(envFrom({
    MINI_COLLECTOR_REMOTE_ADDRESS: server.address,
    MINI_COLLECTOR_CONTAINER_ID: containerId,
    MINI_COLLECTOR_ENVIRONMENT_NAME: "production",
    MINI_COLLECTOR_SERVICE_NAME: "web",
    MINI_COLLECTOR_CGROUP_PATH: fixturePath("v1-cgroupfs", "t0"),
  }));
  const other = "0001" + containerId.slice(4);
  try {
    for (const headers of [undefined, { environment: "e", service: "s", container: other }]) {
      const pipeline = createPipeline(config, headers);
      const point = await pipeline.points.sample({ wallMs: Date.now(), monotonicMs: 1 });
      assert.equal(point.running, true);
      pipeline.queue.push(point);
      assert.deepEqual(await pipeline.publisher.drain(5_000), []);
      pipeline.connection.close();
      const received = server.received.at(-1)!;
      assert.equal(received.request.unixTime, point.unixTime);
      assert.equal(received.headers.container, headers?.container ?? containerId);
      assert.equal(received.headers.environment, headers?.environment ?? "production");
    }
  } finally {
    await server.close();
  }
});
