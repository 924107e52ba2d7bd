/**
 * Durable acceptance: 8 publishers load the real aggregator over gRPC, the
 * process is killed with SIGKILL mid-stream, and after a restart every point
 * that was acknowledged appears on stdout at least once. The first run waits
 * an hour before closing a partial batch, so most acknowledged points are
 * still only in the spool when it dies: the restarted process (with a short
 * wait) must deliver them from there. Unplanned crashes during the load are
 * restarted by the test's supervisor, as in production.
 */
import assert from "node:assert/strict";
import { AggregatorProcess } from "./support/aggregator.ts";
import { tagHeaders } from "./support/publish_tags.ts";
import { GrpcPublisher } from "./support/grpc_publisher.ts";
import { withDeadline } from "./support/deadline.ts";
import { delay } from "./support/until.ts";

const PUBLISHERS = 8;
const LOAD_MS = 1500;

Deno.test("kill -9 under load loses no acknowledged point; a restart delivers the spool", async () => {
  await using aggregator = await AggregatorProcess.start({
    supervise: true,
    env: { AGGREGATOR_MINIMUM_PUBLISH_FREQUENCY: "1h" },
  });
  const acknowledged = new Set<string>();
  let stop = false;
  const publishers = Array.from({ length: PUBLISHERS }, async (_, publisher) => {
    const client = GrpcPublisher.start(aggregator.address);
    const headers = tagHeaders(`publisher-${publisher}`);
    try {
      for (let sequence = 0; !stop; sequence++) {
        const answer = await client.publish({
          unixTime: BigInt(Math.floor(Date.now() / 1000)),
          milliCpuUsage: BigInt(sequence),
        }, headers);
        if (answer.code === 0) acknowledged.add(`publisher-${publisher}/${sequence}`);
        else await delay(50);
      }
    } finally {
      await client.close();
    }
  });
  await delay(LOAD_MS);
  const killed = await aggregator.kill("SIGKILL");
  stop = true;
  await withDeadline(Promise.all(publishers), 30_000, "waiting for the publishers to stop");
  assert.equal(killed.signal, "SIGKILL");
  assert.ok(acknowledged.size > 50, `only ${acknowledged.size} points acknowledged`);
  const deliveredBeforeRestart = aggregator.lines.length;

  aggregator.env.AGGREGATOR_MINIMUM_PUBLISH_FREQUENCY = "100ms";
  await aggregator.restart();
  const delivered = () =>
    new Set(
      aggregator.points().map((point) =>
        `${(point.tags as Record<string, string>).container}/${
          (point.metrics as Record<string, number>).milli_cpu_usage
        }`
      ),
    );
  const missing = () => [...acknowledged].filter((key) => !delivered().has(key));
  await aggregator.waitFor(() => missing().length === 0, 30_000, "every acknowledged point");
  assert.ok(
    aggregator.lines.length > deliveredBeforeRestart,
    "the restarted aggregator delivered points from the spool",
  );
  console.log(
    `${acknowledged.size} acknowledged, ${deliveredBeforeRestart} delivered before the kill, ` +
      `${aggregator.lines.length} lines in all, ${aggregator.crashes.length} unplanned restarts`,
  );
});
