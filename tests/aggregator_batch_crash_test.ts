/**
 * Durable acceptance of batches: 4 publishers send PublishBatch calls of 20
 * points each to the real aggregator over gRPC (the collector's own client),
 * the process is killed with SIGKILL mid-stream, and after a restart every
 * entry of every acknowledged call appears on stdout at least once (see
 * `support/crash_under_load.ts`).
 */
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import { connectAggregator } from "../collector/transport.ts";
import { crashUnderLoad } from "./support/crash_under_load.ts";
import { tagHeaders } from "./support/publish_tags.ts";

const ENTRIES_PER_CALL = 20;

Deno.test("kill -9 under batched load loses no acknowledged entry; a restart delivers the spool", async () => {
  const summary = await crashUnderLoad({
    publishers: 4,
    minimumAcknowledged: 200,
    connect(aggregator, container) {
      const { client, close } = connectAggregator({
        protocol: "grpc",
        tls: undefined,
        remoteAddress: { host: "127.0.0.1", port: aggregator.port },
      });
      const tags = tagHeaders(container);
      return {
        async publish(call) {
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
            return sequences;
          } catch (error) {
            if (error instanceof assert.AssertionError) throw error;
            return undefined;
          }
        },
        close,
      };
    },
  });
  console.log(summary);
});
