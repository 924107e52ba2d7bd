/**
 * Clients that close their connection gracefully right after load: h2load
 * sends Publish and PublishBatch calls over gRPC, 16 in flight on one
 * connection, then sends GOAWAY and closes — 20 times in a row, the trigger
 * that aborted the process when this listener was node:http2 (an nghttp2
 * assertion in Deno, exit 134, within two rounds). The aggregator must stay
 * up, answer every call, and accept every point sent.
 */
import assert from "node:assert/strict";
import { create, toBinary } from "@bufbuild/protobuf";
import { PublishBatchRequestSchema, PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import { requestMessage } from "../bench/ingest.ts";
import { AggregatorProcess } from "./support/aggregator.ts";

const ROUNDS = 20;
const CALLS_PER_ROUND = 1000;
const IN_FLIGHT = 16;
const BATCH_POINTS = 10;
const TAGS = { environment: "goaway", service: "s", container: "c", host_name: "h" };

/** The gRPC message frame of `message` written to `path`. */
async function grpcBodyFile(path: string, message: Uint8Array): Promise<string> {
  const framed = new Uint8Array(5 + message.length);
  new DataView(framed.buffer).setUint32(1, message.length);
  framed.set(message, 5);
  await Deno.writeFile(path, framed);
  return path;
}

async function h2load(port: number, method: string, body: string, headers: string[]) {
  const args = ["-c", "1", "-m", String(IN_FLIGHT), "-n", String(CALLS_PER_ROUND), "-d", body];
  for (const header of ["content-type: application/grpc", "te: trailers", ...headers]) {
    args.push("-H", header);
  }
  const output = await new Deno.Command("h2load", {
    args: [...args, `http://127.0.0.1:${port}/Aggregator/${method}`],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  const match = text.match(/requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded/);
  assert.ok(match, `h2load printed no request counts:\n${text}`);
  return Number(match[1]);
}

Deno.test("20 rounds of 16 calls in flight then GOAWAY leave the aggregator up", async () => {
  await using aggregator = await AggregatorProcess.start();
  const pid = aggregator.pid;
  const point = requestMessage();
  const single = await grpcBodyFile(
    `${aggregator.directory}/publish.bin`,
    toBinary(PublishRequestSchema, point),
  );
  const entries = Array.from({ length: BATCH_POINTS }, () => ({ tags: TAGS, point }));
  const batch = await grpcBodyFile(
    `${aggregator.directory}/batch.bin`,
    toBinary(PublishBatchRequestSchema, create(PublishBatchRequestSchema, { points: entries })),
  );
  const tagHeaders = Object.entries(TAGS).map(([key, value]) => `${key}: ${value}`);
  let points = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const batched = round % 2 === 1;
    const succeeded = batched
      ? await h2load(aggregator.port, "PublishBatch", batch, [])
      : await h2load(aggregator.port, "Publish", single, tagHeaders);
    assert.equal(
      aggregator.pid,
      pid,
      `the aggregator died in round ${round}:\n${aggregator.stderr}`,
    );
    assert.equal(succeeded, CALLS_PER_ROUND, `round ${round}`);
    points += succeeded * (batched ? BATCH_POINTS : 1);
  }
  await aggregator.kill("SIGTERM");
  assert.match(aggregator.stderr, new RegExp(` accepted=${points} `));
});
