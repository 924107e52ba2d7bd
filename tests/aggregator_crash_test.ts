/**
 * Durable acceptance: 8 publishers load the real aggregator over gRPC with one
 * point per Publish call, the process is killed with SIGKILL mid-stream, and
 * after a restart every point that was acknowledged appears on stdout at least
 * once (see `support/crash_under_load.ts`).
 */
import { crashUnderLoad } from "./support/crash_under_load.ts";
import { GrpcPublisher } from "./support/grpc_publisher.ts";
import { tagHeaders } from "./support/publish_tags.ts";

Deno.test("kill -9 under load loses no acknowledged point; a restart delivers the spool", async () => {
  const summary = await crashUnderLoad({
    publishers: 8,
    minimumAcknowledged: 50,
    connect(aggregator, container) {
      const client = GrpcPublisher.start(aggregator.address);
      const headers = tagHeaders(container);
      return {
        async publish(sequence) {
          const answer = await client.publish({
            unixTime: BigInt(Math.floor(Date.now() / 1000)),
            milliCpuUsage: BigInt(sequence),
          }, headers);
          return answer.code === 0 ? [sequence] : undefined;
        },
        close: () => client.close(),
      };
    },
  });
  console.log(summary);
});
