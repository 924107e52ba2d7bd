import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { PublishRequestSchema } from "../../shared/gen/aggregator_pb.ts";
import { RejectedRequest } from "../../shared/point/mod.ts";
import { pointFrom, tagsFrom } from "./validate.ts";

const NOW_MS = Date.UTC(2026, 0, 1);
const NOW = NOW_MS / 1000;
const TAGS = { environment: "prod", service: "web", container: "abc", host_name: "abc012345678" };

/** A header value as it arrives off the wire: one character per byte. */
function wire(text: string): string {
  return String.fromCharCode(...new TextEncoder().encode(text));
}

function call(
  fields: MessageInitShape<typeof PublishRequestSchema>,
  headers: Record<string, string> = TAGS,
) {
  return {
    request: create(PublishRequestSchema, { unixTime: BigInt(NOW), ...fields }),
    headers: new Headers(headers),
    hostNameAlias: null,
  };
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof RejectedRequest);
    return `${error.reason}: ${error.message}`;
  }
  assert.fail("accepted");
}

Deno.test("a valid call becomes a point with its tags and metrics", () => {
  const point = pointFrom(
    call({ running: true, memoryRssMb: 12n, diskUsageMb: -1n, cpuLimitMilli: 500n }, {
      ...TAGS,
      app: "shop",
      database: "",
      "x-other": "ignored",
    }),
    NOW_MS,
  );
  assert.deepEqual(point.tags, { ...TAGS, app: "shop" });
  assert.equal(point.time, NOW);
  assert.equal(point.metrics.running, 1);
  assert.equal(point.metrics.memory_rss_mb, 12);
  assert.equal(point.metrics.disk_usage_mb, -1);
  assert.equal(point.metrics.cpu_limit_milli, 500);
  assert.equal("memory_oom_kills" in point.metrics, false);
});

Deno.test("tags: the 2021 `host` key, UTF-8 values, and every refusal", () => {
  const { host_name: _, ...withoutHostName } = TAGS;
  assert.equal(tagsFrom(new Headers(withoutHostName), "old").host_name, "old");
  assert.equal(tagsFrom(new Headers(TAGS), "old").host_name, TAGS.host_name);
  assert.equal(
    refusal(() => tagsFrom(new Headers({ ...withoutHostName, host: "aggregator:8000" }), null)),
    `missing_tag: missing required tag: header "host_name" is not set`,
  );
  assert.equal(
    tagsFrom(new Headers({ ...TAGS, service: wire("café ☕") }), null).service,
    "café ☕",
  );
  const cases: [Record<string, string>, string][] = [
    [{ ...TAGS, service: "" }, `invalid_tag: invalid tag: header "service" is empty`],
    [{ ...TAGS, app: "\xff" }, `invalid_tag: invalid tag: header "app" is not valid UTF-8`],
    [
      { ...TAGS, app: wire("a\u0085") },
      `invalid_tag: invalid tag: header "app" contains a control character`,
    ],
    [
      { ...TAGS, app: wire("a\u2028") },
      `invalid_tag: invalid tag: header "app" contains a control character`,
    ],
    [
      { ...TAGS, container: wire("é".repeat(256)) },
      `invalid_tag: invalid tag: header "container" is 256 characters long, more than 255`,
    ],
    ...["evil\\", "a\\,b", "a\\=b", "a\\ b"].map((service): [Record<string, string>, string] => [
      { ...TAGS, service },
      `invalid_tag: invalid tag: header "service" has a backslash at the end or before a ` +
      "comma, equals sign or space, which InfluxDB line protocol cannot carry",
    ]),
  ];
  for (const [headers, expected] of cases) {
    assert.equal(refusal(() => tagsFrom(new Headers(headers), null)), expected);
  }
  assert.equal(
    tagsFrom(new Headers({ ...TAGS, container: wire("é".repeat(255)) }), null).container.length,
    255,
  );
  assert.equal(tagsFrom(new Headers({ ...TAGS, app: "C:\\temp\\x" }), null).app, "C:\\temp\\x");
});

Deno.test("a tag header sent twice is refused, not stored as the two values joined", () => {
  const headers = new Headers(TAGS);
  headers.append("service", "billing");
  assert.equal(headers.get("service"), `${TAGS.service}, billing`);
  assert.equal(
    refusal(() => tagsFrom(headers, null)),
    `invalid_tag: invalid tag: header "service" holds ", " (a comma and a space), which is how ` +
      "a header sent twice arrives",
  );
  assert.equal(tagsFrom(new Headers({ ...TAGS, app: "a,b c" }), null).app, "a,b c");
});

Deno.test("timestamps before 2000, more than a day old or more than an hour ahead are refused", () => {
  const y2k = 946_684_800;
  const y2kClockMs = (y2k + 43_200) * 1000;
  assert.equal(pointFrom(call({ unixTime: BigInt(y2k) }), y2kClockMs).time, y2k);
  assert.match(
    refusal(() => pointFrom(call({ unixTime: BigInt(y2k - 1) }), y2kClockMs)),
    /^invalid_time: .*before 2000/,
  );
  assert.equal(pointFrom(call({ unixTime: BigInt(NOW - 86_400) }), NOW_MS).time, NOW - 86_400);
  assert.match(
    refusal(() => pointFrom(call({ unixTime: BigInt(NOW - 86_401) }), NOW_MS)),
    /^invalid_time: .*more than 24h before the aggregator's clock/,
  );
  assert.equal(pointFrom(call({ unixTime: BigInt(NOW + 3600) }), NOW_MS).time, NOW + 3600);
  assert.match(
    refusal(() => pointFrom(call({ unixTime: BigInt(NOW + 3601) }), NOW_MS)),
    /^invalid_time: .*more than 1h ahead/,
  );
});

Deno.test("metric values that JSON numbers cannot hold exactly are refused", () => {
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  assert.equal(
    pointFrom(call({ milliCpuUsage: max }), NOW_MS).metrics.milli_cpu_usage,
    Number(max),
  );
  assert.equal(
    refusal(() => pointFrom(call({ milliCpuUsage: max + 1n }), NOW_MS)),
    "invalid_metric: invalid milli_cpu_usage 9007199254740992: beyond ±9007199254740991",
  );
  assert.match(refusal(() => pointFrom(call({ diskUsageMb: -max - 1n }), NOW_MS)), /disk_usage_mb/);
  assert.match(
    refusal(() => pointFrom(call({ cpuPressureSomeAvg10: Infinity }), NOW_MS)),
    /cpu_pressure_some_avg10 Infinity: not finite/,
  );
});

Deno.test("pressure shares outside 0–100 are refused", () => {
  assert.equal(
    pointFrom(call({ ioPressureFullAvg10: 100 }), NOW_MS).metrics.io_pressure_full_avg10,
    100,
  );
  assert.equal(
    pointFrom(call({ memoryPressureSomeAvg10: 0 }), NOW_MS).metrics.memory_pressure_some_avg10,
    0,
  );
  assert.equal(
    refusal(() => pointFrom(call({ ioPressureFullAvg10: 100.5 }), NOW_MS)),
    "invalid_metric: invalid io_pressure_full_avg10 100.5: a pressure share is between 0 and 100",
  );
  assert.match(
    refusal(() => pointFrom(call({ cpuPressureSomeAvg10: -1 }), NOW_MS)),
    /between 0 and 100/,
  );
});
