import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  type Client,
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
} from "@connectrpc/connect";
import { Aggregator, PublishRequestSchema } from "../../shared/gen/aggregator_pb.ts";
import { Spool } from "../spool/mod.ts";
import { Stats } from "../stats.ts";
import { publishRoutes } from "./publish.ts";

const NOW_MS = Date.UTC(2026, 0, 1);
const NOW = NOW_MS / 1000;
const TAGS = { environment: "prod", service: "web", container: "c1", host_name: "0123456789ab" };

interface Setup {
  /** Spool directory below this one; a file there makes the spool unavailable. */
  spoolDirectory?: (root: string) => Promise<string>;
  maxBytes?: number;
  accepting?: boolean;
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
    accepting: () => setup.accepting ?? true,
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
