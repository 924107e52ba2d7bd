import assert from "node:assert/strict";
import { containerModeConfig } from "./config/mod.ts";
import { envFrom } from "../shared/config/mod.ts";
import { setupLogging } from "../shared/log.ts";
import { Collector } from "./collector.ts";
import { containerSource } from "./source.ts";
import { fixturePath, readCapture } from "../tests/support/cgroup_fixtures.ts";
import { PublishServer } from "../tests/support/publish_server.ts";
import { until } from "../tests/support/until.ts";

const { containerId } = await readCapture("v1-cgroupfs");
const GONE = "0001" + containerId.slice(4);

function config(remoteAddress: string, id = containerId) {
  return containerModeConfig(envFrom({
    MINI_COLLECTOR_REMOTE_ADDRESS: remoteAddress,
    MINI_COLLECTOR_CONTAINER_ID: id,
    MINI_COLLECTOR_ENVIRONMENT_NAME: "production",
    MINI_COLLECTOR_SERVICE_NAME: "web",
    MINI_COLLECTOR_CGROUP_PATH: fixturePath("v1-cgroupfs", "t0"),
    MINI_COLLECTOR_POLL_INTERVAL: "100ms",
  }));
}

function captureLogs(): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  setupLogging({ debug: false, json: true, write: (line) => records.push(JSON.parse(line)) });
  return records;
}

Deno.test("one collector samples every source each poll and publishes each point with its source's tags", async () => {
  const logs = captureLogs();
  const server = await PublishServer.start();
  const running = containerSource(config(server.address));
  const gone = containerSource(config(server.address, GONE));
  const collector = new Collector(config(server.address), [running, gone]);
  try {
    collector.start();
    await server.waitForPoints(4, 10_000);
    const summary = await collector.stop(5_000);
    assert.deepEqual(
      [summary.delivered, summary.refused, summary.dropped, summary.unsent],
      [server.received.length, 0, 0, []],
    );
    const byContainer = Map.groupBy(server.received, (r) => r.headers.container);
    assert.deepEqual([...byContainer.keys()].sort(), [containerId, GONE].sort());
    assert.ok(byContainer.get(containerId)!.every((r) => r.request.running));
    assert.ok(byContainer.get(GONE)!.every((r) => !r.request.running));
    assert.ok(byContainer.get(GONE)!.every((r) => r.headers.host === GONE.slice(0, 12)));
    const times = (id: string) => byContainer.get(id)!.map((r) => r.request.unixTime);
    assert.deepEqual(times(containerId), times(GONE), "both sampled at every poll");
    assert.equal(logs.at(-1)!.level, "INFO");
    assert.equal(
      logs.at(-1)!.message,
      `stopped: ${server.received.length} delivered, 0 refused, 0 dropped, nothing left unsent`,
    );
  } finally {
    await server.close();
  }
});

Deno.test("a source whose sampling fails is logged once, not every poll; the others still publish", async () => {
  const logs = captureLogs();
  const server = await PublishServer.start();
  const collector = new Collector(config(server.address), [
    {
      tags: { container: GONE },
      sampler: { sample: () => Promise.reject(new Error("no cgroup")) },
    },
    containerSource(config(server.address)),
  ]);
  try {
    collector.start();
    await server.waitForPoints(2, 10_000);
    await collector.stop(5_000);
    assert.ok(server.received.every((r) => r.headers.container === containerId));
    const errors = logs.filter((r) => r.level === "ERROR");
    assert.equal(errors.length, 1, "the same failure at the next poll is counted, not logged");
    assert.equal(
      (errors[0].properties as Record<string, unknown>).error,
      "sampling failed, no point this time: Error: no cgroup",
    );
  } finally {
    await server.close();
  }
});

Deno.test("stopped with the aggregator down, the summary names the points left unsent", async () => {
  const logs = captureLogs();
  const probe = await PublishServer.start();
  await probe.close();
  const collector = new Collector(config(probe.address), [containerSource(config(probe.address))]);
  collector.start();
  assert.ok(await until(() => logs.some((r) => /will retry/.test(String(r.message))), 10_000, 20));
  const { delivered, unsent } = await collector.stop(200);
  assert.equal(delivered, 0);
  assert.ok(unsent.length >= 1);
  const times = unsent.map((entry) => Number(entry.point.unixTime));
  assert.ok(unsent.every((entry) => entry.tags.container === containerId));
  const summary = logs.at(-1)!;
  assert.equal(summary.level, "WARN");
  assert.equal(
    summary.message,
    `stopped with ${unsent.length} points unsent (sampled ${Math.min(...times)}..` +
      `${Math.max(...times)}); 0 delivered, 0 refused, 0 dropped when the queue was full`,
  );
});
