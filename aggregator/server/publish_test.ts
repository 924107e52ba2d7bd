import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  type Client,
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
} from "@connectrpc/connect";
import {
  Aggregator,
  type PublishRequest,
  PublishRequestSchema,
} from "../../shared/gen/aggregator_pb.ts";
import { Spool } from "../spool/mod.ts";
import { Stats } from "../stats.ts";
import type { Point } from "../stored_point.ts";
import { publishRoutes } from "./publish.ts";
import { TagSetLimit } from "./tag_set_limit.ts";

const NOW_MS = Date.UTC(2026, 0, 1);
const NOW = NOW_MS / 1000;
const TAGS = { environment: "prod", service: "web", container: "c1", host_name: "0123456789ab" };

interface Setup {
  /** Spool directory below this one; a file there makes the spool unavailable. */
  spoolDirectory?: (root: string) => Promise<string>;
  maxBytes?: number;
  accepting?: boolean;
  maxTagSets?: number;
  /** Collects what the intake tells its observer (the status page). */
  observed?: Point[];
}

/** The Publish routes over an in-process transport, on a real spool in a temporary directory. */
async function withPublish(
  setup: Setup,
  body: (client: Client<typeof Aggregator>, spool: Spool, stats: Stats) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "publish-test-" });
  const stats = new Stats();
  const spool = new Spool({
    directory: await (setup.spoolDirectory?.(root) ?? `${root}/spool`),
    maxBytes: setup.maxBytes ?? 1 << 20,
    sinks: ["stdout"],
    counters: stats,
  });
  const transport = createRouterTransport(publishRoutes({
    spool,
    stats,
    tagSets: new TagSetLimit(setup.maxTagSets ?? 1000),
    accepting: () => setup.accepting ?? true,
    observe: (points) => setup.observed?.push(...points),
    now: () => NOW_MS,
  }));
  try {
    await body(createClient(Aggregator, transport), spool, stats);
  } finally {
    await spool.close();
    await Deno.remove(root, { recursive: true });
  }
}

/** The error a publish call fails with. */
async function refusal(call: Promise<unknown>): Promise<ConnectError> {
  const error = await call.then(() => assert.fail("accepted"), (error) => error);
  assert.ok(error instanceof ConnectError, String(error));
  return error;
}

const request = create(PublishRequestSchema, {
  unixTime: BigInt(NOW),
  running: true,
  milliCpuUsage: 250n,
  cpuPressureSomeAvg10: 0.5,
});

Deno.test("an accepted point is in the spool when the call returns", async () => {
  await withPublish({}, async (client, spool, stats) => {
    await client.publish(request, { headers: { ...TAGS, app: "shop" } });
    const [{ point }] = spool.read("stdout", 10);
    assert.equal(point.time, NOW);
    assert.deepEqual(point.tags, { ...TAGS, app: "shop" });
    assert.equal(point.metrics.running, 1);
    assert.equal(point.metrics.milli_cpu_usage, 250);
    assert.equal(point.metrics.cpu_pressure_some_avg10, 0.5);
    assert.equal("memory_oom_kills" in point.metrics, false, "absent optional metrics stay absent");
    assert.equal(stats.snapshot(spool.state()).accepted, 1);
  });
});

Deno.test("a missing tag is refused as invalid_argument naming the header", async () => {
  await withPublish({}, async (client, spool, stats) => {
    const { host_name: _, ...withoutHostName } = TAGS;
    // No HTTP version is reported in process, so `host` is not taken for host_name.
    const headers = { ...withoutHostName, host: "abcdef012345" };
    const error = await refusal(client.publish(request, { headers }));
    assert.equal(error.code, Code.InvalidArgument);
    assert.equal(error.rawMessage, `missing required tag: header "host_name" is not set`);
    assert.deepEqual(stats.snapshot(spool.state()).rejected, { missing_tag: 1 });
    assert.equal(spool.state().depth, 0);
  });
});

Deno.test("while shutting down, calls are answered unavailable", async () => {
  await withPublish({ accepting: false }, async (client, spool, stats) => {
    const error = await refusal(client.publish(request, { headers: TAGS }));
    assert.equal(error.code, Code.Unavailable);
    assert.equal(error.rawMessage, "the aggregator is shutting down");
    assert.deepEqual(stats.snapshot(spool.state()).rejected, { unavailable: 1 });
    assert.equal(spool.state().depth, 0);
  });
});

Deno.test("a point larger than the whole spool is answered resource_exhausted", async () => {
  await withPublish({ maxBytes: 64 }, async (client, spool, stats) => {
    const error = await refusal(client.publish(request, { headers: TAGS }));
    assert.equal(error.code, Code.ResourceExhausted);
    assert.match(error.rawMessage, /^spool full: \d+ bytes of points exceed the spool cap of 64$/);
    assert.deepEqual(stats.snapshot(spool.state()).rejected, { spool_full: 1 });
  });
});

Deno.test("an unwritable spool is answered unavailable with the cause", async () => {
  const blocked = async (root: string) => {
    await Deno.writeTextFile(`${root}/file`, "");
    return `${root}/file/spool`;
  };
  await withPublish({ spoolDirectory: blocked }, async (client, spool, stats) => {
    const error = await refusal(client.publish(request, { headers: TAGS }));
    assert.equal(error.code, Code.Unavailable);
    assert.match(
      error.rawMessage,
      /^spool unavailable: cannot open .*\/file\/spool\/spool\.sqlite: /,
    );
    assert.deepEqual(stats.snapshot(spool.state()).rejected, { unavailable: 1 });
  });
});

/** A batch entry: the point of `NOW + second` under `tags`. */
const entry = (second: number, tags: Record<string, string> = TAGS, point?: PublishRequest) => ({
  tags,
  point: point ?? create(PublishRequestSchema, { unixTime: BigInt(NOW + second), running: true }),
});

Deno.test("a mixed batch: valid entries stored in one commit, invalid ones listed by index", async () => {
  const observed: Point[] = [];
  await withPublish({ observed }, async (client, spool, stats) => {
    const { service: _, ...withoutService } = TAGS;
    const { host_name: __, ...hostOnly } = TAGS;
    const response = await client.publishBatch({
      points: [
        entry(0),
        entry(1, withoutService),
        entry(2, { ...hostOnly, host: "0123456789ab" }),
        entry(3, TAGS, create(PublishRequestSchema, { unixTime: 100n })),
        entry(4, { ...TAGS, app: "evil\\" }),
        { tags: TAGS },
        entry(6, { ...TAGS, app: "shop" }),
      ],
    });
    assert.deepEqual(response.rejected.map(({ index, reason }) => ({ index, reason })), [
      { index: 1, reason: `missing required tag: tag "service" is not set` },
      { index: 3, reason: "invalid unix_time 100: before 2000-01-01T00:00:00Z" },
      {
        index: 4,
        reason: `invalid tag: tag "app" has a backslash at the end or before a comma, ` +
          "equals sign or space, which InfluxDB line protocol cannot carry",
      },
      { index: 5, reason: "missing point: the entry has no point" },
    ]);
    const stored = spool.read("stdout", 10).map(({ point }) => point);
    assert.deepEqual(stored.map((point) => point.time - NOW), [0, 2, 6]);
    assert.deepEqual(stored[1].tags, TAGS, "`host` in a tag map stands for host_name");
    assert.deepEqual(stored[2].tags, { ...TAGS, app: "shop" });
    const snapshot = stats.snapshot(spool.state());
    assert.equal(snapshot.accepted, 3);
    assert.deepEqual(snapshot.rejected, {
      missing_tag: 1,
      invalid_time: 1,
      invalid_tag: 1,
      invalid_metric: 1,
    });
    assert.deepEqual(snapshot.calls, { publish_batch: 1 });
    const fields = ({ time, tags, metrics }: Point) => ({ time, tags, metrics });
    assert.deepEqual(
      observed.map(fields),
      stored.map(fields),
      "the observer is told exactly the points stored",
    );
  });
});

Deno.test("an empty batch stores nothing and rejects nothing", async () => {
  await withPublish({}, async (client, spool, stats) => {
    const response = await client.publishBatch({ points: [] });
    assert.deepEqual(response.rejected, []);
    assert.equal(spool.state().depth, 0);
    assert.equal(stats.snapshot(spool.state()).accepted, 0);
  });
});

Deno.test("a batch the spool cannot take whole is an error and nothing of it is stored", async () => {
  const observed: Point[] = [];
  // Room for one entry of this batch, not for six.
  await withPublish({ maxBytes: 150, observed }, async (client, spool, stats) => {
    const error = await refusal(
      client.publishBatch({ points: [0, 1, 2, 3, 4, 5].map((second) => entry(second)) }),
    );
    assert.equal(error.code, Code.ResourceExhausted);
    assert.equal(spool.state().depth, 0);
    assert.deepEqual(observed, [], "the observer is told nothing of a refused batch");
    assert.deepEqual(stats.snapshot(spool.state()).rejected, { spool_full: 6 });
    await client.publishBatch({ points: [entry(0)] });
    assert.equal(spool.state().depth, 1);
  });
});

Deno.test("while shutting down, a batch is answered unavailable, its points counted", async () => {
  await withPublish({ accepting: false }, async (client, spool, stats) => {
    const error = await refusal(client.publishBatch({ points: [entry(0), entry(1)] }));
    assert.equal(error.code, Code.Unavailable);
    assert.deepEqual(stats.snapshot(spool.state()).rejected, { unavailable: 2 });
    assert.equal(spool.state().depth, 0);
  });
});

Deno.test("past the tag-set cap, points of new tag sets are refused and counted; known ones pass", async () => {
  await withPublish({ maxTagSets: 2 }, async (client, spool, stats) => {
    await client.publish(request, { headers: { ...TAGS, container: "a" } });
    const response = await client.publishBatch({
      points: [
        entry(0, { ...TAGS, container: "b" }),
        entry(1, { ...TAGS, container: "" }),
        entry(2, { ...TAGS, container: "c" }),
        entry(3, { ...TAGS, service: "" }),
      ],
    });
    // Refusals by the checks and by the cap, in the call's order.
    assert.deepEqual(response.rejected.map(({ index, reason }) => [index, reason]), [
      [1, 'invalid tag: tag "container" is empty'],
      [
        2,
        "too many distinct tag sets: 2 new ones already taken this hour " +
        "(AGGREGATOR_MAX_TAG_SETS); container c refused",
      ],
      [3, 'invalid tag: tag "service" is empty'],
    ]);
    const error = await refusal(client.publish(request, { headers: { ...TAGS, container: "d" } }));
    assert.equal(error.code, Code.InvalidArgument);
    await client.publish(request, { headers: { ...TAGS, container: "a" } });
    assert.deepEqual(spool.read("stdout", 10).map(({ point }) => point.tags.container), [
      "a",
      "b",
      "a",
    ]);
    assert.deepEqual(stats.snapshot(spool.state()).rejected, { tag_set_limit: 2, invalid_tag: 2 });
  });
});
