/**
 * Section 2: aggregator ingest. `h2load` (Debian nghttp2-client, installed
 * when missing and root) drives calls over one HTTP/2 connection at 1, 16 and
 * 64 concurrent streams: gRPC (5-byte prefix + message, `te: trailers`) on the
 * main listener (the project's own HTTP/2 server, aggregator/server/h2/) and Connect (`application/proto`) on the Deno.serve
 * listener, each protocol against a fresh aggregator with the durable spool
 * on; first one point per call (`Publish`, tags as headers), then
 * {@link BATCH_POINTS} points per call (`PublishBatch`, tags per entry). Per
 * run: accepted points/s, server CPU µs per point (from the run's start until
 * every accepted point has left the spool through the stdout sink, so
 * spooling and delivery are included) for the whole process and for its main
 * thread alone (delivery encoding runs in a worker thread), and a check that
 * the points written to stdout equal the points of h2load's successful (HTTP
 * 2xx) calls. Last, the spool's bytes per point (ingest_spool.ts).
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { PublishBatchRequestSchema, PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import { METRIC_FIELDS } from "../aggregator/stored_point.ts";
import { IngestServer } from "./ingest_server.ts";
import { measureSpoolBytes, type SpoolBytes } from "./ingest_spool.ts";
import { processUsage } from "./proc.ts";
import { summarize, type Summary } from "./stats.ts";

export const CONCURRENCY = [1, 16, 64] as const;
/** Points per PublishBatch call. */
export const BATCH_POINTS = 100;
const MAX_CRASHES = 30;
const TAGS = {
  environment: "bench",
  service: "ingest",
  container: "c".repeat(64),
  host_name: "c".repeat(12),
};

export interface IngestOptions {
  runs: number;
  /** Publish calls per run. */
  requests: number;
  /** PublishBatch calls per run. */
  batchRequests: number;
}

export interface IngestLevel {
  concurrentCalls: number;
  pointsPerSecond: Summary;
  serverCpuUsPerPoint: Summary;
  /** CPU of the server's main thread alone (the encoding worker excluded). */
  mainThreadCpuUsPerPoint: Summary;
  /** Points on stdout minus h2load's 2xx answers, per run: 0 when they match. */
  countDifference: number[];
}

export interface ProtocolResult {
  listener: string;
  levels: IngestLevel[];
  peakRssMib: number;
  /** How the server died under load, when it did (it was restarted and the run repeated). */
  crashes: string[];
}

export interface IngestResult {
  driver: string;
  body: string;
  grpc: ProtocolResult;
  connect: ProtocolResult;
  batch: {
    body: string;
    grpc: ProtocolResult;
    connect: ProtocolResult;
  };
  spool: SpoolBytes;
}

/** What h2load sends: one body file per protocol, to one method. */
interface Workload {
  method: "Publish" | "PublishBatch";
  /** The message, without the gRPC prefix. */
  message: Uint8Array;
  /** Tags as headers (Publish) or none (PublishBatch: tags in the message). */
  headers: string[];
  pointsPerCall: number;
  requests: number;
}

export async function measureIngest(options: IngestOptions): Promise<IngestResult> {
  await ensureH2load();
  const point = requestMessage();
  const tagHeaders = Object.entries(TAGS).map(([key, value]) => `${key}: ${value}`);
  const batch = batchMessage(point);
  const directory = await Deno.makeTempDir({ prefix: "mini-collector-h2load-" });
  try {
    const single = await measureWorkload(options, directory, {
      method: "Publish",
      message: toBinary(PublishRequestSchema, point),
      headers: tagHeaders,
      pointsPerCall: 1,
      requests: options.requests,
    });
    const batched = await measureWorkload(options, directory, {
      method: "PublishBatch",
      message: batch,
      headers: [],
      pointsPerCall: BATCH_POINTS,
      requests: options.batchRequests,
    });
    return {
      driver: "h2load " + await h2loadVersion() + ", one connection (-c 1), " +
        "-m <concurrent calls>, " +
        `${options.requests} Publish / ${options.batchRequests} PublishBatch calls per run`,
      body: `one PublishRequest with all ${METRIC_FIELDS.length} metrics set ` +
        `(${toBinary(PublishRequestSchema, point).length} bytes) and the four required tags ` +
        "as headers",
      ...single,
      batch: {
        body: `one PublishBatchRequest of ${BATCH_POINTS} such points, each with the four ` +
          `required tags (${batch.length} bytes)`,
        ...batched,
      },
      spool: await measureSpoolBytes(),
    };
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}

async function measureWorkload(options: IngestOptions, directory: string, workload: Workload) {
  const grpcBody = `${directory}/${workload.method}.grpc.bin`;
  const framed = new Uint8Array(5 + workload.message.length);
  new DataView(framed.buffer).setUint32(1, workload.message.length);
  framed.set(workload.message, 5);
  await Deno.writeFile(grpcBody, framed);
  const connectBody = `${directory}/${workload.method}.connect.bin`;
  await Deno.writeFile(connectBody, workload.message);
  return {
    grpc: await measureProtocol(options, workload, (server) => ({
      url: `http://127.0.0.1:${server.grpcPort}/Aggregator/${workload.method}`,
      body: grpcBody,
      headers: ["content-type: application/grpc", "te: trailers", ...workload.headers],
    }), "gRPC on the main listener, the own HTTP/2 server (AGGREGATOR_LISTEN_ADDRESS)"),
    connect: await measureProtocol(options, workload, (server) => ({
      url: `http://127.0.0.1:${server.connectPort}/Aggregator/${workload.method}`,
      body: connectBody,
      headers: [
        "content-type: application/proto",
        "connect-protocol-version: 1",
        ...workload.headers,
      ],
    }), "Connect on the Deno.serve listener (AGGREGATOR_CONNECT_LISTEN_ADDRESS)"),
  };
}

export interface Target {
  url: string;
  body: string;
  headers: string[];
}

async function measureProtocol(
  options: IngestOptions,
  workload: Workload,
  target: (server: IngestServer) => Target,
  listener: string,
): Promise<ProtocolResult> {
  await using server = await IngestServer.start();
  const levels: IngestLevel[] = [];
  let peakRssMib = 0;
  for (const concurrency of CONCURRENCY) {
    const rates: number[] = [];
    const cpu: number[] = [];
    const mainCpu: number[] = [];
    const differences: number[] = [];
    while (rates.length < options.runs) {
      const before = await server.points();
      try {
        const usage = await processUsage(server.pid);
        const result = await h2load(target(server), concurrency, {
          requests: workload.requests,
        });
        const points = result.succeeded * workload.pointsPerCall;
        await server.waitForPoints(before + points, 60_000);
        const after = await processUsage(server.pid);
        if (!server.alive) throw new Error("the aggregator exited");
        rates.push(points / result.seconds);
        cpu.push((after.cpuMs - usage.cpuMs) * 1000 / points);
        mainCpu.push((after.mainThreadCpuMs - usage.mainThreadCpuMs) * 1000 / points);
        differences.push(await server.points() - before - points);
        peakRssMib = Math.max(peakRssMib, after.peakRssMib);
      } catch (error) {
        if (!await server.exitsWithin(2000) || server.crashes.length >= MAX_CRASHES) {
          throw new Error(`${(error as Error).message}\naggregator log:\n${server.log}`);
        }
        // The server died under load (docs/ARCHITECTURE.md, "Platform facts"): restart it on its
        // spool and repeat this run.
        await server.restart();
        await server.settle(2500);
      }
    }
    levels.push({
      concurrentCalls: concurrency,
      pointsPerSecond: summarize(rates, 0),
      serverCpuUsPerPoint: summarize(cpu, 1),
      mainThreadCpuUsPerPoint: summarize(mainCpu, 1),
      countDifference: differences,
    });
  }
  return {
    listener,
    levels,
    peakRssMib: Math.round(peakRssMib * 10) / 10,
    crashes: server.crashes,
  };
}

/** A request with every metric set to a plausible value and a current timestamp. */
export function requestMessage() {
  const values: Record<string, unknown> = {};
  for (const [index, field] of METRIC_FIELDS.entries()) {
    values[field.property] = field.kind === "boolean"
      ? true
      : field.kind === "float"
      ? 1.25 + index
      : BigInt(1000 + index * 37);
  }
  return create(PublishRequestSchema, {
    ...values,
    unixTime: BigInt(Math.floor(Date.now() / 1000)),
  });
}

/** {@link BATCH_POINTS} entries of `point`, each with the tags. */
export function batchMessage(point: ReturnType<typeof requestMessage>): Uint8Array {
  const entries = Array.from({ length: BATCH_POINTS }, () => ({ tags: TAGS, point }));
  return toBinary(
    PublishBatchRequestSchema,
    create(PublishBatchRequestSchema, { points: entries }),
  );
}

interface H2loadResult {
  succeeded: number;
  seconds: number;
}

/** A number of calls as fast as they go, or a fixed rate of calls for a duration. */
export type H2loadLoad = { requests: number } | { callsPerSecond: number; seconds: number };

export async function h2load(
  target: Target,
  concurrency: number,
  load: H2loadLoad,
): Promise<H2loadResult> {
  const headers = target.headers;
  const amount = "requests" in load
    ? ["-n", String(load.requests)]
    : ["--rps", String(load.callsPerSecond), "-D", String(load.seconds)];
  const output = await new Deno.Command("h2load", {
    args: [
      "-c",
      "1",
      "-m",
      String(concurrency),
      ...amount,
      "-d",
      target.body,
      ...headers.flatMap((header) => ["-H", header]),
      target.url,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  const finished = text.match(/finished in ([\d.]+)(m?s)/);
  const succeeded = text.match(/requests: .* (\d+) succeeded/);
  if (!output.success || !finished || !succeeded || Number(succeeded[1]) === 0) {
    throw new Error(`h2load failed:\n${text}\n${new TextDecoder().decode(output.stderr)}`);
  }
  const seconds = Number(finished[1]) / (finished[2] === "ms" ? 1000 : 1);
  return { succeeded: Number(succeeded[1]), seconds };
}

export async function h2loadVersion(): Promise<string> {
  const output = await new Deno.Command("h2load", { args: ["--version"], stdout: "piped" })
    .output();
  return new TextDecoder().decode(output.stdout).trim().replace(/^h2load nghttp2\//, "");
}

/** Installs nghttp2-client when h2load is missing and this runs as root. */
export async function ensureH2load(): Promise<void> {
  const found = await new Deno.Command("sh", { args: ["-c", "command -v h2load"], stdout: "null" })
    .output();
  if (found.success) return;
  if (Deno.uid() !== 0) throw new Error("h2load is missing: apt-get install nghttp2-client");
  for (
    const args of [["install", "-y", "nghttp2-client"], ["update"], [
      "install",
      "-y",
      "nghttp2-client",
    ]]
  ) {
    const result = await new Deno.Command("apt-get", {
      args,
      env: { DEBIAN_FRONTEND: "noninteractive" },
      stdout: "null",
      stderr: "inherit",
    }).output();
    if (result.success && args[0] === "install") return;
  }
  throw new Error("apt-get install nghttp2-client failed");
}
