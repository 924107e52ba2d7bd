/**
 * Health of the real aggregator: `GET /healthz`, the gRPC health protocol and
 * the `--healthcheck` mode report serving while the spool is writable and not
 * serving (with Publish answering `unavailable`) when it is not; SIGTERM ends
 * the process with status 0.
 */
import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import {
  decodeHealthResponse,
  firstMessage,
  HEALTH_CHECK_PATH,
  ServingStatus,
} from "../aggregator/server/mod.ts";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { AggregatorProcess } from "./support/aggregator.ts";
import { tagHeaders } from "./support/publish_tags.ts";
import { type CurlReply, curlRequest } from "./support/aggregator_curl.ts";
import { runHealthcheck } from "./support/aggregator_healthcheck.ts";
import { GrpcPublisher } from "./support/grpc_publisher.ts";

async function healthz(aggregator: AggregatorProcess): Promise<[number, string]> {
  const reply = await curlRequest(aggregator.baseUrl, { path: "/healthz" });
  return [reply.status, new TextDecoder().decode(reply.body)];
}

async function grpcHealth(aggregator: AggregatorProcess, service: string): Promise<CurlReply> {
  const request = new BinaryWriter().tag(1, WireType.LengthDelimited).string(service).finish();
  return await curlRequest(aggregator.baseUrl, {
    path: HEALTH_CHECK_PATH,
    headers: { "content-type": "application/grpc", te: "trailers" },
    body: encodeEnvelope(0, request),
  });
}

Deno.test("a healthy aggregator reports serving on every health endpoint", async () => {
  await using aggregator = await AggregatorProcess.start();
  assert.deepEqual(await healthz(aggregator), [200, "serving\n"]);
  const check = await grpcHealth(aggregator, "");
  assert.equal(check.headers["grpc-status"], "0");
  assert.equal(decodeHealthResponse(await firstMessage(check.body)), ServingStatus.SERVING);
  assert.equal(
    decodeHealthResponse(await firstMessage((await grpcHealth(aggregator, "Aggregator")).body)),
    1,
  );
  assert.equal((await grpcHealth(aggregator, "Other")).headers["grpc-status"], "5");
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
    const client = GrpcPublisher.start(aggregator.address);
    try {
      const answer = await client.publish(
        { unixTime: BigInt(Math.floor(Date.now() / 1000)) },
        tagHeaders("unwritable"),
      );
      assert.equal(answer.code, Code.Unavailable);
      assert.match(answer.message, /^spool unavailable: cannot open /);
    } finally {
      await client.close();
    }
  } finally {
    await Deno.remove(blocker);
  }
});
