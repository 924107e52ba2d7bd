/**
 * Section: sustained delivery. The aggregator with only the Datadog sink,
 * delivering into a real VictoriaMetrics (Datadog v1 series API), is fed
 * `PublishBatch` calls of {@link BATCH_POINTS} points at a fixed rate for a
 * fixed time by `h2load --rps` over gRPC. Its stats line (every second) gives
 * the spool depth; a rate is sustained when the depth stays bounded: over the
 * last third of the run it never exceeds the first two thirds' peak by more
 * than two seconds' worth of points, and it ends below ten seconds' worth.
 * Reports each rate tried and the highest one sustained.
 *
 * @module
 */
import { startVictoriaMetrics } from "../tests/support/receivers.ts";
import {
  BATCH_POINTS,
  batchMessage,
  ensureH2load,
  h2load,
  h2loadVersion,
  requestMessage,
} from "./ingest.ts";
import { IngestServer } from "./ingest_server.ts";
import { processUsage } from "./proc.ts";

export interface DeliveryOptions {
  seconds: number;
  /** Points per second to try, lowest first. */
  rates: number[];
}

export interface DeliveryRun {
  pointsPerSecond: number;
  acceptedPointsPerSecond: number;
  peakSpoolDepth: number;
  finalSpoolDepth: number;
  sustained: boolean;
  serverCpuUsPerPoint: number;
  /** CPU of the server's main thread alone (the encoding worker excluded). */
  mainThreadCpuUsPerPoint: number;
  peakRssMib: number;
}

export interface DeliveryResult {
  driver: string;
  runs: DeliveryRun[];
  highestSustainedPointsPerSecond: number;
}

export async function measureDelivery(options: DeliveryOptions): Promise<DeliveryResult> {
  await ensureH2load();
  const directory = await Deno.makeTempDir({ prefix: "mini-collector-delivery-" });
  const body = `${directory}/batch.grpc.bin`;
  const message = batchMessage(requestMessage());
  const framed = new Uint8Array(5 + message.length);
  new DataView(framed.buffer).setUint32(1, message.length);
  framed.set(message, 5);
  await Deno.writeFile(body, framed);
  const runs: DeliveryRun[] = [];
  try {
    for (const rate of options.rates) {
      const run = await measureRate(body, rate, options.seconds);
      runs.push(run);
      if (!run.sustained) break;
    }
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
  return {
    driver: `h2load ${await h2loadVersion()} --rps, one connection, 16 calls in flight, ` +
      `PublishBatch of ${BATCH_POINTS} points (${message.length} bytes), ` +
      `${options.seconds} s per rate, Datadog v1 into VictoriaMetrics`,
    runs,
    highestSustainedPointsPerSecond: Math.max(
      0,
      ...runs.filter((run) => run.sustained).map((run) => run.pointsPerSecond),
    ),
  };
}

async function measureRate(body: string, rate: number, seconds: number): Promise<DeliveryRun> {
  const receiver = await startVictoriaMetrics();
  try {
    await using server = await IngestServer.start({
      AGGREGATOR_DATADOG_CONFIGURATION: JSON.stringify({
        api_key: "bench",
        series_url: new URL("/datadog/api/v1/series", receiver.url).href,
      }),
      AGGREGATOR_STATS_INTERVAL: "1s",
    });
    const before = await processUsage(server.pid);
    const startedMs = Date.now();
    const result = await h2load(
      {
        url: `http://127.0.0.1:${server.grpcPort}/Aggregator/PublishBatch`,
        body,
        headers: ["content-type: application/grpc", "te: trailers"],
      },
      16,
      { callsPerSecond: Math.round(rate / BATCH_POINTS), seconds },
    );
    const after = await processUsage(server.pid);
    const accepted = result.succeeded * BATCH_POINTS;
    const depths = server.spoolDepths.filter(({ atMs }) => atMs >= startedMs);
    const split = startedMs + (seconds * 1000 * 2) / 3;
    const early = Math.max(0, ...depths.filter(({ atMs }) => atMs < split).map((d) => d.depth));
    const late = Math.max(0, ...depths.filter(({ atMs }) => atMs >= split).map((d) => d.depth));
    const final = depths.at(-1)?.depth ?? 0;
    return {
      pointsPerSecond: rate,
      acceptedPointsPerSecond: Math.round(accepted / result.seconds),
      peakSpoolDepth: Math.max(early, late),
      finalSpoolDepth: final,
      sustained: accepted >= rate * seconds * 0.95 && late <= early + 2 * rate &&
        final < 10 * rate,
      serverCpuUsPerPoint: Math.round((after.cpuMs - before.cpuMs) * 10_000 / accepted) / 10,
      mainThreadCpuUsPerPoint:
        Math.round((after.mainThreadCpuMs - before.mainThreadCpuMs) * 10_000 / accepted) / 10,
      peakRssMib: Math.round(after.peakRssMib * 10) / 10,
    };
  } finally {
    await receiver.stop();
  }
}
