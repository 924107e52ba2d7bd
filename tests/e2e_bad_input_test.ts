/**
 * A corpus of malformed requests against the real aggregator — truncated and
 * oversize gRPC frames, wrong content types, invalid UTF-8 and control
 * characters in tags, missing metadata, random bytes at every layer — sent
 * raw with a node:http2 client, curl and a bare TCP socket. Each must be
 * answered with an error (an HTTP error status, a non-zero grpc-status, or a
 * closed connection for what is not HTTP/2 at all), the server must stay up
 * (a good call succeeds afterwards) and nothing from the corpus may be stored.
 * tests/aggregator_reject_test.ts checks the precise error of each kind of
 * well-formed but invalid call; this is the robustness side.
 */
import assert from "node:assert/strict";
import http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import { AggregatorProcess } from "./support/aggregator.ts";
import { publishClient, tagHeaders } from "./support/aggregator_clients.ts";
import { curlPublish } from "./support/aggregator_curl.ts";
import { recordScenario } from "./support/e2e_summary.ts";

const PATH = "/Aggregator/Publish";
const NOW = Math.floor(Date.now() / 1000);
const GOOD = toBinary(
  PublishRequestSchema,
  create(PublishRequestSchema, { unixTime: BigInt(NOW) }),
);
const MAX_REQUEST_BYTES = 4096;
const ANSWER_TIMEOUT_MS = 10_000;

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
  if (answer.grpcStatus !== undefined) return answer.grpcStatus !== "0";
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
 * One request on its own HTTP/2 connection. It is answered once an error
 * status, a grpc-status (headers, trailers, or a gRPC-Web trailer frame in the
 * body) or the end of the stream arrives; an oversize body the server refused
 * early is then cancelled, and the connection closed gracefully.
 */
function h2Request(
  baseUrl: string,
  headers: http2.OutgoingHttpHeaders,
  body: Uint8Array | undefined,
): Promise<Answer> {
  return new Promise((resolve) => {
    const session = http2.connect(baseUrl);
    const answer: Answer = {};
    let text = "";
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (!stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
      session.close(() => resolve(answer));
    };
    const timer = setTimeout(() => {
      if (answer.status === undefined) answer.hung = true;
      finish();
    }, ANSWER_TIMEOUT_MS);
    const fail = (error: Error) => {
      if (answer.status === undefined) answer.failure = error.message;
      finish();
    };
    const grpcStatus = (value: unknown) => {
      if (value === undefined) return;
      answer.grpcStatus = String(value);
      finish();
    };
    session.on("error", fail);
    const stream = session.request({ ":method": "POST", ":path": PATH, ...headers });
    stream.on("response", (response) => {
      answer.status = Number(response[":status"]);
      if (answer.status >= 400) finish();
      grpcStatus(response["grpc-status"]);
    });
    stream.on("trailers", (trailers) => grpcStatus(trailers["grpc-status"]));
    stream.on("data", (chunk: Uint8Array) => {
      text += new TextDecoder("latin1").decode(chunk);
      grpcStatus(text.match(/grpc-status:\s*(\d+)/)?.[1]);
    });
    stream.on("error", fail);
    stream.on("end", finish);
    stream.end(body);
  });
}

/** Bytes on a bare TCP connection; the answer is whatever comes back before the server closes. */
async function tcpRequest(port: number, bytes: Uint8Array): Promise<Answer> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await connection.write(bytes).catch(() => {});
    const reply = new Uint8Array(4096);
    const read = await connection.read(reply).catch(() => null);
    const text = new TextDecoder("latin1").decode(reply.subarray(0, read ?? 0));
    // A server that is not fooled answers HTTP/2 GOAWAY (frame type 7) or closes.
    return { failure: read === null ? "closed" : `answered ${JSON.stringify(text.slice(0, 24))}` };
  } finally {
    connection.close();
  }
}

type Case = [string, (aggregator: AggregatorProcess, container: string) => Promise<Answer>];

function grpc(body: Uint8Array, extra: Record<string, string> = {}, withTags = true) {
  return (aggregator: AggregatorProcess, container: string) =>
    h2Request(aggregator.baseUrl, {
      "content-type": "application/grpc",
      te: "trailers",
      ...(withTags ? tagHeaders(container) : {}),
      ...extra,
    }, body);
}

function h2(contentType: string, body: Uint8Array | undefined, extra: Record<string, string> = {}) {
  return (aggregator: AggregatorProcess, container: string) =>
    h2Request(aggregator.baseUrl, {
      "content-type": contentType,
      ...tagHeaders(container),
      ...extra,
    }, body);
}

/** A Connect call by curl, headers sent byte for byte (so they may hold non-UTF-8 bytes). */
function curl(tags: (container: string) => Record<string, string>) {
  return async (aggregator: AggregatorProcess, container: string): Promise<Answer> => {
    const { status } = await curlPublish(
      aggregator.baseUrl,
      aggregator.directory,
      tags(container),
      GOOD,
    );
    return status === 0 ? { failure: "curl could not complete the call" } : { status };
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
  ["no content-type", h2("", GOOD)],
  [
    "gzip body that is not gzip",
    h2("application/proto", random(100), { "content-encoding": "gzip" }),
  ],
  ["tag with invalid UTF-8 (curl)", curl((c) => ({ ...tagHeaders(c), service: "web\xff\xfe" }))],
  ["tag with control character (curl)", curl((c) => ({ ...tagHeaders(c), environment: "a\x01b" }))],
  ["tag with C1 control (curl)", curl((c) => ({ ...tagHeaders(c), app: "a\xc2\x9bb" }))],
  ["tag 64 KiB long (curl)", curl((c) => ({ ...tagHeaders(c), service: "s".repeat(65_536) }))],
  ["tags missing (curl)", curl(() => ({}))],
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
    const answer = await send(aggregator, `corpus-${index}`);
    console.log(`${name}: ${JSON.stringify(answer)}`);
    if (!isError(answer)) accepted.push(`${name}: ${JSON.stringify(answer)}`);
  }
  const { client, close } = publishClient(aggregator.baseUrl, "grpc");
  try {
    await client.publish(create(PublishRequestSchema, { unixTime: BigInt(NOW) }), {
      headers: tagHeaders("after-the-corpus"),
    });
  } finally {
    await close();
  }
  await aggregator.waitFor(() => aggregator.lines.length > 0, 10_000, "the good point");
  await aggregator.kill("SIGTERM");
  const containers = aggregator.points().map((point) =>
    (point.tags as Record<string, string>).container
  );
  const ok = accepted.length === 0 && containers.join() === "after-the-corpus";
  await recordScenario({
    scenario: "bad input corpus",
    result: ok ? "pass" : "FAIL",
    notes: `${CORPUS.length} malformed requests, ${CORPUS.length - accepted.length} refused, ` +
      `${containers.length - 1} stored; good call after: ok; ` +
      `aggregator crashes restarted ${aggregator.crashes.length}`,
  });
  assert.deepEqual(accepted, []);
  assert.deepEqual(containers, ["after-the-corpus"]);
});
