/**
 * Durable acceptance of batches: 4 publishers send PublishBatch calls of 20
 * points each to the real aggregator over gRPC (the collector's own client),
 * the process is killed with SIGKILL mid-stream, and after a restart every
 * entry of every acknowledged call appears on stdout at least once. The first
 * run waits an hour before closing a partial delivery batch, so most
 * acknowledged points are still only in the spool when it dies. Unplanned
 * crashes during the load are restarted by the test's supervisor, as in
 * production.
 */
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import { GrpcAggregatorClient } from "../collector/grpc/client.ts";
import { AggregatorProcess } from "./support/aggregator.ts";
import { tagHeaders } from "./support/publish_tags.ts";

const PUBLISHERS = 4;
const ENTRIES_PER_CALL = 20;
const LOAD_MS = 1500;

Deno.test("kill -9 under batched load loses no acknowledged entry; a restart delivers the spool", async () => {
  await using aggregator = await AggregatorProcess.start({
    supervise: true,
    env: { AGGREGATOR_MINIMUM_PUBLISH_FREQUENCY: "1h" },
  });
  const acknowledged = new Set<string>();
  let stop = false;
  const publishers = Array.from({ length: PUBLISHERS }, async (_, publisher) => {
    const client = new GrpcAggregatorClient({ host: "127.0.0.1", port: aggregator.port });
    const tags = tagHeaders(`publisher-${publisher}`);
    try {
      for (let call = 0; !stop; call++) {
        const sequences = Array.from(
          { length: ENTRIES_PER_CALL },
          (_, entry) => call * ENTRIES_PER_CALL + entry,
        );
        const points = sequences.map((sequence) => ({
          tags,
          point: create(PublishRequestSchema, {
            unixTime: BigInt(Math.floor(Date.now() / 1000)),
            milliCpuUsage: BigInt(sequence),
          }),
        }));
        try {
          const { rejected } = await client.publishBatch({ points }, { timeoutMs: 5_000 });
          assert.deepEqual(rejected, []);
          for (const sequence of sequences) acknowledged.add(`publisher-${publisher}/${sequence}`);
        } catch (error) {
          if (error instanceof assert.AssertionError) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    } finally {
      client.close();
    }
  });
  await new Promise((resolve) => setTimeout(resolve, LOAD_MS));
  const killed = await aggregator.kill("SIGKILL");
  stop = true;
  await Promise.all(publishers);
  assert.equal(killed.signal, "SIGKILL");
  assert.ok(acknowledged.size > 200, `only ${acknowledged.size} entries acknowledged`);
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
  await aggregator.waitFor(() => missing().length === 0, 30_000, "every acknowledged entry");
  assert.ok(
    aggregator.lines.length > deliveredBeforeRestart,
    "the restarted aggregator delivered points from the spool",
  );
  console.log(
    `${acknowledged.size} entries acknowledged, ${deliveredBeforeRestart} delivered before the ` +
      `kill, ${aggregator.lines.length} lines in all, ${aggregator.crashes.length} unplanned restarts`,
  );
});
