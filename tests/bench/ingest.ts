/**
 * Section 2: aggregator ingest. `h2load` (Debian nghttp2-client, installed
 * when missing and root) drives Publish calls over one HTTP/2 connection at
 * 1, 16 and 64 concurrent streams: gRPC (5-byte prefix + PublishRequest,
 * `te: trailers`) on the node:http2 listener and Connect (`application/proto`)
 * on the Deno.serve listener, each protocol against a fresh aggregator with
 * the durable spool on. Per run: accepted points/s, server CPU µs per point
 * (from the run's start until every accepted point has left the spool through
 * the stdout sink, so spooling and delivery are included), and a check that
 * the points written to stdout equal h2load's successful (HTTP 2xx) requests.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { PublishRequestSchema } from "../../shared/gen/aggregator_pb.ts";
import { METRIC_FIELDS } from "../../aggregator/point.ts";
import { IngestServer } from "./ingest_server.ts";
import { processUsage } from "./proc.ts";
import { summarize, type Summary } from "./stats.ts";

export const CONCURRENCY = [1, 16, 64] as const;
const MAX_CRASHES = 30;
const TAGS = {
  environment: "bench",
  service: "ingest",
  container: "c".repeat(64),
  host_name: "c".repeat(12),
};

export interface IngestOptions {
  runs: number;
  /** Requests per run. */
  requests: number;
}

export interface IngestLevel {
  concurrentCalls: number;
  pointsPerSecond: Summary;
  serverCpuUsPerPoint: Summary;
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
}

export async function measureIngest(options: IngestOptions): Promise<IngestResult> {
  await ensureH2load();
  const message = requestMessage();
  const directory = await Deno.makeTempDir({ prefix: "mini-collector-h2load-" });
  try {
    const grpcBody = `${directory}/grpc.bin`;
    const framed = new Uint8Array(5 + message.length);
    new DataView(framed.buffer).setUint32(1, message.length);
    framed.set(message, 5);
    await Deno.writeFile(grpcBody, framed);
    const connectBody = `${directory}/connect.bin`;
    await Deno.writeFile(connectBody, message);
    return {
      driver: `h2load ${await h2loadVersion()}, one connection (-c 1), -m <concurrent calls>, ` +
        `${options.requests} requests per run`,
      body:
        `one PublishRequest with all ${METRIC_FIELDS.length} metrics set (${message.length} bytes) ` +
        "and the four required tags as headers",
      grpc: await measureProtocol(options, (server) => ({
        url: `http://127.0.0.1:${server.grpcPort}/Aggregator/Publish`,
        body: grpcBody,
        headers: ["content-type: application/grpc", "te: trailers"],
      }), "gRPC on the node:http2 listener (AGGREGATOR_LISTEN_ADDRESS)"),
      connect: await measureProtocol(options, (server) => ({
        url: `http://127.0.0.1:${server.connectPort}/Aggregator/Publish`,
        body: connectBody,
        headers: ["content-type: application/proto", "connect-protocol-version: 1"],
      }), "Connect on the Deno.serve listener (AGGREGATOR_CONNECT_LISTEN_ADDRESS)"),
    };
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}

interface Target {
  url: string;
  body: string;
  headers: string[];
}

async function measureProtocol(
  options: IngestOptions,
  target: (server: IngestServer) => Target,
  listener: string,
): Promise<ProtocolResult> {
  await using server = await IngestServer.start();
  const levels: IngestLevel[] = [];
  let peakRssMib = 0;
  for (const concurrency of CONCURRENCY) {
    const rates: number[] = [];
    const cpu: number[] = [];
    const differences: number[] = [];
    while (rates.length < options.runs) {
      const before = await server.points();
      try {
        const usage = await processUsage(server.pid);
        const result = await h2load(target(server), concurrency, options.requests);
        await server.waitForPoints(before + result.succeeded, 30_000);
        const after = await processUsage(server.pid);
        if (!server.alive) throw new Error("the aggregator exited");
        rates.push(result.succeeded / result.seconds);
        cpu.push((after.cpuMs - usage.cpuMs) * 1000 / result.succeeded);
        differences.push(await server.points() - before - result.succeeded);
        peakRssMib = Math.max(peakRssMib, after.peakRssMib);
      } catch (error) {
        if (!await server.exitsWithin(2000) || server.crashes.length >= MAX_CRASHES) {
          throw new Error(`${(error as Error).message}\naggregator log:\n${server.log}`);
        }
        // The server died under load (docs/ARCHITECTURE.md, "Platform facts"):
        // restart it on its spool and repeat this run.
        await server.restart();
        await server.settle(2500);
      }
    }
    levels.push({
      concurrentCalls: concurrency,
      pointsPerSecond: summarize(rates, 0),
      serverCpuUsPerPoint: summarize(cpu, 1),
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
function requestMessage(): Uint8Array {
  const values: Record<string, unknown> = {};
  for (const [index, field] of METRIC_FIELDS.entries()) {
    values[field.property] = field.kind === "boolean"
      ? true
      : field.kind === "float"
      ? 1.25 + index
      : BigInt(1000 + index * 37);
  }
  return toBinary(
    PublishRequestSchema,
    create(PublishRequestSchema, { ...values, unixTime: BigInt(Math.floor(Date.now() / 1000)) }),
  );
}

interface H2loadResult {
  succeeded: number;
  seconds: number;
}

async function h2load(
  target: Target,
  concurrency: number,
  requests: number,
): Promise<H2loadResult> {
  const headers = [...target.headers, ...Object.entries(TAGS).map(([k, v]) => `${k}: ${v}`)];
  const output = await new Deno.Command("h2load", {
    args: [
      "-c",
      "1",
      "-m",
      String(concurrency),
      "-n",
      String(requests),
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

async function h2loadVersion(): Promise<string> {
  const output = await new Deno.Command("h2load", { args: ["--version"], stdout: "piped" })
    .output();
  return new TextDecoder().decode(output.stdout).trim().replace(/^h2load nghttp2\//, "");
}

/** Installs nghttp2-client when h2load is missing and this runs as root. */
async function ensureH2load(): Promise<void> {
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
