/**
 * Health of the real aggregator: `GET /healthz`, the gRPC health protocol and
 * the `--healthcheck` mode report serving while the spool is writable and not
 * serving (with Publish answering `unavailable`) when it is not; SIGTERM ends
 * the process with status 0.
 */
import assert from "node:assert/strict";
import { connect } from "node:http2";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import {
  decodeHealthResponse,
  firstMessage,
  HEALTH_CHECK_PATH,
  ServingStatus,
} from "../aggregator/server/mod.ts";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { AggregatorProcess } from "./support/aggregator.ts";
import { publishClient, tagHeaders } from "./support/aggregator_clients.ts";
import { runHealthcheck } from "./support/aggregator_healthcheck.ts";

interface Reply {
  status: number;
  grpcStatus?: string;
  body: Uint8Array;
}

/** One HTTP/2 request on its own connection, closed gracefully afterwards. */
async function http2Request(
  baseUrl: string,
  headers: Record<string, string>,
  body?: Uint8Array,
): Promise<Reply> {
  const session = connect(baseUrl);
  try {
    return await new Promise<Reply>((resolve, reject) => {
      session.once("error", reject);
      const stream = session.request(headers);
      let status = 0;
      let grpcStatus: string | undefined;
      const chunks: Uint8Array[] = [];
      stream.on("response", (h) => {
        status = Number(h[":status"]);
        grpcStatus = h["grpc-status"] as string | undefined;
      });
      stream.on("trailers", (t) => grpcStatus = t["grpc-status"] as string);
      stream.on("data", (chunk) => chunks.push(chunk));
      stream.on("end", () => resolve({ status, grpcStatus, body: concat(chunks) }));
      stream.on("error", reject);
      stream.end(body);
    });
  } finally {
    await new Promise<void>((resolve) => session.close(() => resolve()));
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) all.set(chunk, (at += chunk.length) - chunk.length);
  return all;
}

async function healthz(aggregator: AggregatorProcess): Promise<[number, string]> {
  const reply = await http2Request(aggregator.baseUrl, { ":path": "/healthz" });
  return [reply.status, new TextDecoder().decode(reply.body)];
}

async function grpcHealth(aggregator: AggregatorProcess, service: string): Promise<Reply> {
  const request = new BinaryWriter().tag(1, WireType.LengthDelimited).string(service).finish();
  return await http2Request(aggregator.baseUrl, {
    ":method": "POST",
    ":path": HEALTH_CHECK_PATH,
    "content-type": "application/grpc",
    te: "trailers",
  }, encodeEnvelope(0, request));
}

Deno.test("a healthy aggregator reports serving on every health endpoint", async () => {
  await using aggregator = await AggregatorProcess.start();
  assert.deepEqual(await healthz(aggregator), [200, "serving\n"]);
  const check = await grpcHealth(aggregator, "");
  assert.equal(check.grpcStatus, "0");
  assert.equal(decodeHealthResponse(await firstMessage(check.body)), ServingStatus.SERVING);
  assert.equal(
    decodeHealthResponse(await firstMessage((await grpcHealth(aggregator, "Aggregator")).body)),
    1,
  );
  assert.equal((await grpcHealth(aggregator, "Other")).grpcStatus, "5");
  const probe = await runHealthcheck(aggregator.env);
  assert.equal(probe.code, 0, new TextDecoder().decode(probe.stderr));
  assert.match(new TextDecoder().decode(probe.stdout), /\/healthz: serving/);
  const stopped = await aggregator.kill("SIGTERM");
  assert.equal(stopped.code, 0);
  assert.match(aggregator.stderr, /stopped/);
  const down = await runHealthcheck(aggregator.env);
  assert.equal(down.code, 1);
  assert.match(new TextDecoder().decode(down.stderr), /^unhealthy: /);
});

Deno.test("an unwritable spool makes the aggregator not serving and Publish unavailable", async () => {
  const blocker = await Deno.makeTempFile({ prefix: "mini-collector-not-a-dir-" });
  try {
    await using aggregator = await AggregatorProcess.start({
      env: { AGGREGATOR_SPOOL_PATH: `${blocker}/spool` },
    });
    assert.match(aggregator.stderr, /spool not writable/);
    assert.deepEqual(await healthz(aggregator), [503, "not serving\n"]);
    const check = await grpcHealth(aggregator, "");
    assert.equal(decodeHealthResponse(await firstMessage(check.body)), ServingStatus.NOT_SERVING);
    assert.equal((await runHealthcheck(aggregator.env)).code, 1);
    const { client, close } = publishClient(aggregator.baseUrl, "grpc");
    try {
      const error = await client.publish(
        create(PublishRequestSchema, { unixTime: BigInt(Math.floor(Date.now() / 1000)) }),
        { headers: tagHeaders("unwritable") },
      ).catch((e) => e);
      assert.ok(error instanceof ConnectError);
      assert.equal(error.code, Code.Unavailable);
      assert.match(error.rawMessage, /^spool unavailable: cannot open /);
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(blocker);
  }
});
