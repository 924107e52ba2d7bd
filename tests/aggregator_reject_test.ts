/**
 * Every kind of bad Publish call gets its precise Connect error from the real
 * aggregator, and none of them stores anything: after the refusals, the only
 * point on stdout is the one good call sent last, and the shutdown stats line
 * counts the refusals by reason.
 */
import assert from "node:assert/strict";
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { Code } from "@connectrpc/connect";
import { PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import { AggregatorProcess } from "./support/aggregator.ts";
import { type CurlAnswer, curlPublish } from "./support/aggregator_curl.ts";
import { tagHeaders } from "./support/publish_tags.ts";
import { GrpcPublisher } from "./support/grpc_publisher.ts";

const NOW = Math.floor(Date.now() / 1000);
const TAGS = tagHeaders("reject-test");
const GOOD = toBinary(
  PublishRequestSchema,
  create(PublishRequestSchema, { unixTime: BigInt(NOW) }),
);

function without(name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(TAGS).filter(([key]) => key !== name));
}

/** A PublishRequest carrying an unknown field of `size` bytes, to exceed the request limit. */
function oversized(size: number): Uint8Array {
  const writer = new BinaryWriter();
  writer.tag(1, WireType.Varint).int64(NOW);
  writer.tag(1000, WireType.LengthDelimited).bytes(new Uint8Array(size));
  return writer.finish();
}

Deno.test("bad requests get precise errors and store nothing", async () => {
  await using aggregator = await AggregatorProcess.start({
    env: { AGGREGATOR_MAX_REQUEST_BYTES: "1024" },
  });
  const cases: [string, Record<string, string>, Uint8Array, string, CurlAnswer][] = [
    ...["environment", "service", "container", "host_name"].map((
      tag,
    ): [string, Record<string, string>, Uint8Array, string, CurlAnswer] => [
      `missing ${tag}`,
      without(tag),
      GOOD,
      "application/proto",
      {
        status: 400,
        code: "invalid_argument",
        message: `missing required tag: header "${tag}" is not set`,
      },
    ]),
    ["empty service", { ...TAGS, service: "" }, GOOD, "application/proto", {
      status: 400,
      code: "invalid_argument",
      message: `invalid tag: header "service" is empty`,
    }],
    ["invalid UTF-8", { ...TAGS, environment: "prod\xff" }, GOOD, "application/proto", {
      status: 400,
      code: "invalid_argument",
      message: `invalid tag: header "environment" is not valid UTF-8`,
    }],
    ["C1 control character", { ...TAGS, app: "a\xc2\x85b" }, GOOD, "application/proto", {
      status: 400,
      code: "invalid_argument",
      message: `invalid tag: header "app" contains a control character`,
    }],
    // HTTP/2 allows a DEL in a field value (RFC 9113 §8.2.1 forbids NUL, CR and
    // LF only): the tag arrives and is refused by name.
    ["ASCII control character", { ...TAGS, service: "a\x7fb" }, GOOD, "application/proto", {
      status: 400,
      code: "invalid_argument",
      message: `invalid tag: header "service" contains a control character`,
    }],
    ["tag too long", { ...TAGS, container: "c".repeat(256) }, GOOD, "application/proto", {
      status: 400,
      code: "invalid_argument",
      message: `invalid tag: header "container" is 256 characters long, more than 255`,
    }],
    ["oversize body", TAGS, oversized(2000), "application/proto", {
      status: 429,
      code: "resource_exhausted",
    }],
    // connect-es (like grpc-go) reports an unparseable message as `internal`.
    ["malformed protobuf", TAGS, new Uint8Array([0x0a, 0xff, 0xff]), "application/proto", {
      status: 500,
      code: "internal",
      message: "parse binary: premature EOF",
    }],
    ["wrong content type", TAGS, GOOD, "text/plain", { status: 415 }],
  ];
  for (const [name, headers, body, contentType, expected] of cases) {
    const answer = await curlPublish(aggregator.baseUrl, headers, body, contentType);
    if (expected.message === undefined) delete answer.message;
    assert.deepEqual(answer, expected, name);
  }
  const client = GrpcPublisher.start(aggregator.address);
  try {
    const refusals: [MessageInitShape<typeof PublishRequestSchema>, string][] = [
      [{ unixTime: 0n }, "invalid unix_time 0: before 2000-01-01T00:00:00Z"],
      [{ unixTime: 946_684_799n }, "invalid unix_time 946684799: before 2000-01-01T00:00:00Z"],
      [{ unixTime: BigInt(NOW + 7200) }, `invalid unix_time ${NOW + 7200}: more than 1h ahead`],
      [
        { unixTime: BigInt(NOW), pidsCurrent: 2n ** 53n },
        `invalid pids_current ${2n ** 53n}: beyond ±9007199254740991`,
      ],
      [{ unixTime: BigInt(NOW), ioPressureFullAvg10: NaN }, "invalid io_pressure_full_avg10 NaN"],
    ];
    for (const [fields, message] of refusals) {
      const answer = await client.publish(fields, TAGS);
      assert.equal(answer.code, Code.InvalidArgument, message);
      assert.ok(answer.message.startsWith(message), `${answer.message} ≠ ${message}`);
    }
    await client.publishOk({ unixTime: BigInt(NOW), pidsLimit: 7n }, TAGS);
  } finally {
    await client.close();
  }
  await aggregator.waitFor(() => aggregator.lines.length > 0, 10_000, "the good point");
  await aggregator.kill("SIGTERM");
  const points = aggregator.points();
  assert.equal(points.length, 1);
  assert.equal((points[0].metrics as Record<string, number>).pids_limit, 7);
  assert.match(
    aggregator.stderr,
    /accepted=1 rejected=\{missing_tag:4,invalid_tag:5,invalid_time:3,invalid_metric:2\}/,
  );
});
