/**
 * Shutdown flushes: points held in an open batch (the batch would wait an
 * hour) are delivered when the aggregator is told to stop, it exits 0, and
 * its spool is empty for the next start.
 */
import assert from "node:assert/strict";
import { AggregatorProcess } from "./support/aggregator.ts";
import { tagHeaders } from "./support/publish_tags.ts";
import { GrpcPublisher } from "./support/grpc_publisher.ts";

Deno.test("SIGINT delivers the open batch before the process exits 0", async () => {
  await using aggregator = await AggregatorProcess.start({
    env: { AGGREGATOR_MINIMUM_PUBLISH_FREQUENCY: "1h" },
  });
  const client = GrpcPublisher.start(aggregator.address);
  try {
    for (let n = 0; n < 3; n++) {
      await client.publishOk(
        { unixTime: BigInt(Math.floor(Date.now() / 1000)), pidsCurrent: BigInt(n) },
        tagHeaders("shutdown"),
      );
    }
  } finally {
    await client.close();
  }
  assert.equal(aggregator.lines.length, 0, "the batch was still open");
  const status = await aggregator.kill("SIGINT");
  assert.equal(status.code, 0);
  assert.deepEqual(
    aggregator.points().map((point) => (point.metrics as Record<string, number>).pids_current),
    [0, 1, 2],
  );
  assert.match(aggregator.stderr, /stopping on "SIGINT"/);
  assert.match(aggregator.stderr, /accepted=3 .*stdout=\{delivered:3\} spool depth=0/);
});
