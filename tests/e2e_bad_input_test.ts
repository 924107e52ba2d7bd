/**
 * A corpus of malformed requests against the real aggregator — truncated and
 * oversize gRPC frames, wrong content types, invalid UTF-8 and control
 * characters in tags, missing metadata, random bytes at every layer — sent
 * raw over HTTP/2 (python3-h2, header bytes exactly as given) and a bare TCP
 * socket. Each must be answered with
 * an error (an HTTP error status, a non-zero grpc-status, or a closed
 * connection for what is not HTTP/2 at all), the server must stay up (a good
 * call succeeds afterwards) and nothing from the corpus may be stored.
 * tests/aggregator_reject_test.ts checks the precise error of each kind of
 * well-formed but invalid call; this is the robustness side. Every request
 * runs under a hard deadline, so a server that never answers fails the case
 * instead of hanging the suite.
 */
import assert from "node:assert/strict";
import { create, toBinary } from "@bufbuild/protobuf";
import { PublishBatchRequestSchema, PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import { AggregatorProcess } from "./support/aggregator.ts";
import { tagHeaders } from "./support/publish_tags.ts";
import { withDeadline } from "./support/deadline.ts";
import { GrpcPublisher } from "./support/grpc_publisher.ts";
import { h2Request } from "./support/h2_request.ts";
import { recordScenario } from "./support/e2e_summary.ts";

const PATH = "/Aggregator/Publish";
const BATCH_PATH = "/Aggregator/PublishBatch";
const NOW = Math.floor(Date.now() / 1000);
const GOOD = toBinary(
  PublishRequestSchema,
  create(PublishRequestSchema, { unixTime: BigInt(NOW) }),
);
/** A batch of one good entry whose `service` tag holds the bytes FF FE, not UTF-8. */
const BATCH_WITH_INVALID_UTF8 = (() => {
  const batch = toBinary(
    PublishBatchRequestSchema,
    create(PublishBatchRequestSchema, {
      points: [{
        tags: { ...tagHeaders("batch-utf8"), service: "web@@" },
        point: { unixTime: BigInt(NOW) },
      }],
    }),
  );
  const at = batch.findIndex((byte, index) => byte === 0x40 && batch[index + 1] === 0x40);
  batch.set([0xff, 0xfe], at);
  return batch;
})();
const MAX_REQUEST_BYTES = 4096;
const ANSWER_TIMEOUT_MS = 10_000;
/** A whole case: the request's own deadline plus time to start curl and write its files. */
const CASE_TIMEOUT_MS = 30_000;

interface Answer {
  status?: number;
  grpcStatus?: string;
  /** The connection failed or was closed before an answer. */
  failure?: string;
  /** Nothing came back in time: not an answer. */
  hung?: boolean;
}

function isError(answer: Answer): boolean {
  if (answer.hung) return false;
  if (answer.grpcStatus !== undefined) return answer.grpcStatus !== "0";
  if (answer.failure !== undefined) return true;
  return answer.status === undefined || answer.status >= 400;
}

/** A gRPC length-prefixed frame: flags byte, 4-byte big-endian length, message. */
function frame(message: Uint8Array, length = message.length, flags = 0): Uint8Array {
  const bytes = new Uint8Array(5 + message.length);
  bytes[0] = flags;
  new DataView(bytes.buffer).setUint32(1, length >>> 0);
  bytes.set(message, 5);
  return bytes;
}

function random(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += 65_536) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(size, offset + 65_536)));
  }
  return bytes;
}

/**
 * One request on its own HTTP/2 connection. Its grpc-status comes from the
 * headers, the trailers or a gRPC-Web trailer frame in the body.
 */
async function post(
  aggregator: AggregatorProcess,
  headers: Record<string, string>,
  body: Uint8Array,
  path = PATH,
): Promise<Answer> {
  const reply = await h2Request(aggregator.port, path, headers, body, ANSWER_TIMEOUT_MS);
  if (reply.hung && reply.status === 0) return { hung: true };
  const grpcStatus = reply.headers["grpc-status"] ?? reply.body.match(/grpc-status:\s*(\d+)/)?.[1];
  return {
    ...(reply.status === 0 ? {} : { status: reply.status }),
    ...(grpcStatus === undefined ? {} : { grpcStatus }),
    ...(reply.failure === undefined ? {} : { failure: reply.failure }),
  };
}

/** Bytes on a bare TCP connection; the answer is whatever comes back before the server closes. */
async function tcpRequest(port: number, bytes: Uint8Array): Promise<Answer> {
  const connection = await withDeadline(
    Deno.connect({ hostname: "127.0.0.1", port }),
    ANSWER_TIMEOUT_MS,
    `waiting to connect to 127.0.0.1:${port}`,
  );
  try {
    await connection.write(bytes).catch(() => {});
    const reply = new Uint8Array(4096);
    const read = await withDeadline(
      connection.read(reply).catch(() => null),
      ANSWER_TIMEOUT_MS,
      `waiting for 127.0.0.1:${port} to answer or close`,
    );
    const text = new TextDecoder("latin1").decode(reply.subarray(0, read ?? 0));
    // A server that is not fooled answers HTTP/2 GOAWAY (frame type 7) or closes.
    return { failure: read === null ? "closed" : `answered ${JSON.stringify(text.slice(0, 24))}` };
  } finally {
    connection.close();
  }
}

type Case = [string, (aggregator: AggregatorProcess, container: string) => Promise<Answer>];

function grpc(body: Uint8Array, extra: Record<string, string> = {}, withTags = true) {
  return (aggregator: AggregatorProcess, container: string): Promise<Answer> =>
    post(aggregator, {
      "content-type": "application/grpc",
      te: "trailers",
      ...(withTags ? tagHeaders(container) : {}),
      ...extra,
    }, body);
}

/** A PublishBatch call over gRPC (tags travel inside the message). */
function grpcBatch(body: Uint8Array) {
  return (aggregator: AggregatorProcess): Promise<Answer> =>
    post(aggregator, { "content-type": "application/grpc", te: "trailers" }, body, BATCH_PATH);
}

/** A PublishBatch call over Connect with `contentType`. */
function connectBatch(contentType: string, body: Uint8Array) {
  return (aggregator: AggregatorProcess): Promise<Answer> =>
    post(aggregator, { "content-type": contentType }, body, BATCH_PATH);
}

/** A request with `contentType`, or with no content-type at all when it is undefined. */
function h2(
  contentType: string | undefined,
  body: Uint8Array,
  extra: Record<string, string> = {},
) {
  return (aggregator: AggregatorProcess, container: string): Promise<Answer> =>
    post(aggregator, {
      ...(contentType === undefined ? {} : { "content-type": contentType }),
      ...tagHeaders(container),
      ...extra,
    }, body);
}

/** A good Connect call whose tag headers, sent byte for byte, may hold non-UTF-8 bytes. */
function connectTags(tags: (container: string) => Record<string, string>) {
  return async (aggregator: AggregatorProcess, container: string): Promise<Answer> => {
    return await post(
      aggregator,
      { ...tags(container), "content-type": "application/proto" },
      GOOD,
    );
  };
}

const CORPUS: Case[] = [
  ["gRPC frame truncated (says 100 bytes, carries 10)", grpc(frame(GOOD.slice(0, 10), 100))],
  ["gRPC prefix truncated (3 bytes)", grpc(frame(GOOD).slice(0, 3))],
  ["gRPC compressed flag without grpc-encoding", grpc(frame(GOOD, undefined, 1))],
  ["gRPC unknown grpc-encoding", grpc(frame(GOOD, undefined, 1), { "grpc-encoding": "zstd9" })],
  ["gRPC random message bytes", grpc(frame(random(64)))],
  ["gRPC two messages in a unary call", grpc(new Uint8Array([...frame(GOOD), ...frame(GOOD)]))],
  ["gRPC length 4 GiB − 1", grpc(frame(GOOD, 0xffff_ffff))],
  ["gRPC oversize message (256 KiB)", grpc(frame(random(256 * 1024)))],
  ["gRPC empty body", grpc(new Uint8Array())],
  ["gRPC missing metadata", grpc(frame(GOOD), {}, false)],
  ["gRPC random bytes, no framing", grpc(random(1000))],
  ["gRPC-Web truncated frame", h2("application/grpc-web+proto", frame(GOOD).slice(0, 7))],
  ["Connect random bytes", h2("application/proto", random(200))],
  ["Connect oversize body (1 MiB)", h2("application/proto", random(1 << 20))],
  ["Connect JSON not JSON", h2("application/json", new TextEncoder().encode("{"))],
  [
    "Connect JSON wrong types",
    h2("application/json", new TextEncoder().encode('{"unixTime":"x"}')),
  ],
  ["content-type text/plain", h2("text/plain", GOOD)],
  ["content-type image/png", h2("image/png", random(100))],
  ["no content-type", h2(undefined, GOOD)],
  [
    "gzip body that is not gzip",
    h2("application/proto", random(100), { "content-encoding": "gzip" }),
  ],
  ["tag with invalid UTF-8", connectTags((c) => ({ ...tagHeaders(c), service: "web\xff\xfe" }))],
  ["tag with control character", connectTags((c) => ({ ...tagHeaders(c), environment: "a\x01b" }))],
  ["tag with C1 control", connectTags((c) => ({ ...tagHeaders(c), app: "a\xc2\x9bb" }))],
  ["tag 64 KiB long", connectTags((c) => ({ ...tagHeaders(c), service: "s".repeat(65_536) }))],
  ["tags missing", connectTags(() => ({}))],
  ["PublishBatch gRPC frame truncated", grpcBatch(frame(BATCH_WITH_INVALID_UTF8.slice(0, 9), 80))],
  ["PublishBatch gRPC random message bytes", grpcBatch(frame(random(300)))],
  ["PublishBatch gRPC oversize message (256 KiB)", grpcBatch(frame(random(256 * 1024)))],
  ["PublishBatch tag value not UTF-8", grpcBatch(frame(BATCH_WITH_INVALID_UTF8))],
  ["PublishBatch Connect random bytes", connectBatch("application/proto", random(200))],
  [
    "PublishBatch Connect JSON wrong types",
    connectBatch("application/json", new TextEncoder().encode('{"points":[{"tags":7}]}')),
  ],
  ["random bytes on the TCP port", (a) => tcpRequest(a.port, random(4096))],
  [
    "HTTP/1.1 request on the HTTP/2 port",
    (a) =>
      tcpRequest(
        a.port,
        new TextEncoder().encode(`POST ${PATH} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi`),
      ),
  ],
];

Deno.test("a corpus of malformed requests: each refused, the server stays up, nothing stored", async () => {
  await using aggregator = await AggregatorProcess.start({
    supervise: true,
    env: { AGGREGATOR_MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES) },
  });
  const accepted: string[] = [];
  for (const [index, [name, send]] of CORPUS.entries()) {
    const answer = await withDeadline(
      send(aggregator, `corpus-${index}`),
      CASE_TIMEOUT_MS,
      `waiting for the answer to "${name}"`,
    );
    console.log(`${name}: ${JSON.stringify(answer)}`);
    if (!isError(answer)) accepted.push(`${name}: ${JSON.stringify(answer)}`);
  }
  const publisher = GrpcPublisher.start(aggregator.address);
  try {
    await publisher.publishOk({ unixTime: BigInt(NOW) }, tagHeaders("after-the-corpus"));
  } finally {
    await publisher.close();
  }
  await aggregator.waitFor(() => aggregator.lines.length > 0, 10_000, "the good point");
  await aggregator.kill("SIGTERM");
  const containers = aggregator.points().map((point) =>
    (point.tags as Record<string, string>).container
  );
  const ok = accepted.length === 0 && containers.join() === "after-the-corpus";
  recordScenario({
    scenario: "bad input corpus",
    result: ok ? "pass" : "FAIL",
    notes: `${CORPUS.length} malformed requests, ${CORPUS.length - accepted.length} refused, ` +
      `${containers.length - 1} stored; good call after: ok; ` +
      `aggregator crashes restarted ${aggregator.crashes.length}`,
  });
  assert.deepEqual(accepted, []);
  assert.deepEqual(containers, ["after-the-corpus"]);
});
