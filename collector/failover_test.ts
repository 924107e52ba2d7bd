import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import { setupLogging } from "../shared/log.ts";
import { PublishServer } from "../tests/support/publish_server.ts";
import { waitUntil } from "../tests/support/until.ts";
import { Failover } from "./failover.ts";
import { Publisher } from "./publisher.ts";
import { PointQueue } from "./queue.ts";
import { type AggregatorConnection, connectAggregator } from "./transport.ts";

const RETURN_AFTER_MS = 60_000;
const POINT = create(PublishRequestSchema, { unixTime: 1_764_000_000n });

/**
 * Aggregators standing in for the choice: each records the calls it gets and
 * fails them with `failing[url]` when set.
 */
function aggregators(count: number) {
  const calls: string[] = [];
  const failing: Record<string, Code | undefined> = {};
  const connections: AggregatorConnection[] = Array.from({ length: count }, (_, index) => {
    const baseUrl = `http://aggregator-${index}:8000`;
    const answer = () => {
      calls.push(baseUrl);
      const code = failing[baseUrl];
      if (code !== undefined) throw new ConnectError(`${baseUrl} fails`, code);
      return Promise.resolve({ rejected: [] });
    };
    return {
      baseUrl,
      client: { publish: answer, publishBatch: answer },
      close: () => {},
    } as unknown as AggregatorConnection;
  });
  return { connections, calls, failing };
}

/** A clock the test moves, and a random source the test sets. */
function controls() {
  const state = { now: 0, random: 0 };
  return {
    state,
    options: { returnAfterMs: RETURN_AFTER_MS, now: () => state.now, random: () => state.random },
  };
}

/** The properties of each logged move, and every log record. */
function captureLogs() {
  const records: { message: string; properties: Record<string, unknown> }[] = [];
  setupLogging({
    debug: false,
    json: true,
    write: (line) => records.push(JSON.parse(line)),
  });
  const moves = () =>
    records.filter((record) => record.message.startsWith("moving from")).map((record) =>
      record.properties
    );
  return { records, moves };
}

/** One publish call through the failover; its error, if any. */
async function publish(failover: Failover): Promise<Code | undefined> {
  try {
    await failover.client.publish(POINT, {});
    return undefined;
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

Deno.test("the start is a random pick, so collectors spread over the list", () => {
  const { connections } = aggregators(3);
  const { state, options } = controls();
  const picks = [0, 0.34, 0.67, 0.99].map((random) => {
    state.random = random;
    return new Failover(connections, options).baseUrl;
  });
  assert.deepEqual(picks, [
    "http://aggregator-0:8000",
    "http://aggregator-1:8000",
    "http://aggregator-2:8000",
    "http://aggregator-2:8000",
  ]);
});

Deno.test("the collector stays on an aggregator while it answers", async () => {
  const { connections, calls } = aggregators(3);
  const { state, options } = controls();
  state.random = 0.5;
  const failover = new Failover(connections, options);
  for (let call = 0; call < 5; call++) {
    state.now += RETURN_AFTER_MS;
    assert.equal(await publish(failover), undefined);
  }
  assert.deepEqual(new Set(calls), new Set(["http://aggregator-1:8000"]));
});

Deno.test("unavailable, a stall past the deadline or a cut connection moves; a refusal does not", async () => {
  const moving = [Code.Unavailable, Code.DeadlineExceeded, Code.Internal, Code.Unknown];
  const staying = [
    Code.InvalidArgument,
    Code.ResourceExhausted,
    Code.Unimplemented,
    Code.Canceled,
    Code.PermissionDenied,
  ];
  for (const code of [...moving, ...staying]) {
    const { moves } = captureLogs();
    const { connections, failing } = aggregators(2);
    const failover = new Failover(connections, controls().options);
    const first = failover.baseUrl;
    failing[first] = code;
    assert.equal(await publish(failover), code, "the call's own error reaches the caller");
    const moved = failover.baseUrl !== first;
    assert.equal(moved, moving.includes(code), `moved on ${Code[code]}: ${moved}`);
    assert.equal(moves().length, moved ? 1 : 0);
  }
});

Deno.test("a move goes to an aggregator that has not failed lately, and is logged once", async () => {
  const { moves } = captureLogs();
  const { connections, calls, failing } = aggregators(3);
  const { state, options } = controls();
  const failover = new Failover(connections, options); // random 0: aggregator-0
  failing["http://aggregator-0:8000"] = Code.Unavailable;
  assert.equal(await publish(failover), Code.Unavailable);
  assert.equal(failover.baseUrl, "http://aggregator-1:8000");
  state.now = 1_000;
  failing["http://aggregator-1:8000"] = Code.DeadlineExceeded;
  assert.equal(await publish(failover), Code.DeadlineExceeded);
  assert.equal(failover.baseUrl, "http://aggregator-2:8000", "not back to the failed aggregator-0");
  state.now = 2_000;
  for (let call = 0; call < 3; call++) assert.equal(await publish(failover), undefined);
  assert.deepEqual(calls, [
    "http://aggregator-0:8000",
    "http://aggregator-1:8000",
    ...Array(3).fill("http://aggregator-2:8000"),
  ]);
  assert.deepEqual(moves().map(({ from, to }) => `${from} -> ${to}`), [
    "http://aggregator-0:8000 -> http://aggregator-1:8000",
    "http://aggregator-1:8000 -> http://aggregator-2:8000",
  ]);
  assert.match(String(moves()[0].why), /\[unavailable\] http:\/\/aggregator-0:8000 fails/);
  assert.match(String(moves()[1].why), /\[deadline_exceeded\]/);
});

Deno.test("when every other aggregator failed lately, the move goes to the oldest failure", async () => {
  const { connections, failing } = aggregators(3);
  const { state, options } = controls();
  const failover = new Failover(connections, options);
  for (const url of failover.baseUrls) failing[url] = Code.Unavailable;
  const visited = [failover.baseUrl];
  for (let call = 0; call < 4; call++) {
    state.now += 1_000;
    await publish(failover);
    visited.push(failover.baseUrl);
  }
  assert.deepEqual(visited.map((url) => url.slice(18, 19)), ["0", "1", "2", "0", "1"]);
});

Deno.test("after a while on a fallback, the collector re-picks at random among healthy aggregators", async () => {
  const { moves } = captureLogs();
  const { connections, failing } = aggregators(3);
  const { state, options } = controls();
  state.random = 0.99;
  const failover = new Failover(connections, options); // aggregator-2
  failing["http://aggregator-2:8000"] = Code.Unavailable;
  state.random = 0;
  await publish(failover); // moves to aggregator-0
  state.now = 10_000;
  failing["http://aggregator-0:8000"] = Code.Unavailable;
  await publish(failover); // moves to aggregator-1
  assert.equal(failover.baseUrl, "http://aggregator-1:8000");
  delete failing["http://aggregator-2:8000"];
  delete failing["http://aggregator-0:8000"];

  // Before returnAfterMs has passed since the move: stays.
  state.now = 10_000 + RETURN_AFTER_MS - 1;
  state.random = 0.99;
  assert.equal(await publish(failover), undefined);
  assert.equal(failover.baseUrl, "http://aggregator-1:8000");

  // Then a random pick among every aggregator that has not failed for
  // returnAfterMs: all three by now, the last failure being the move itself.
  state.now = 10_000 + RETURN_AFTER_MS;
  assert.equal(await publish(failover), undefined);
  assert.equal(failover.baseUrl, "http://aggregator-2:8000");
  assert.deepEqual(moves().at(-1), {
    from: "http://aggregator-1:8000",
    to: "http://aggregator-2:8000",
    why: "re-picking at random to spread load",
  });

  // Settled on a random pick: no more re-picks until the next move.
  const logged = moves().length;
  state.random = 0;
  state.now += 10 * RETURN_AFTER_MS;
  assert.equal(await publish(failover), undefined);
  assert.equal(failover.baseUrl, "http://aggregator-2:8000");
  assert.equal(moves().length, logged);
});

Deno.test("with one aggregator nothing moves and nothing is logged", async () => {
  const { moves } = captureLogs();
  const { connections, failing, calls } = aggregators(1);
  const failover = new Failover(connections, controls().options);
  failing["http://aggregator-0:8000"] = Code.Unavailable;
  assert.equal(await publish(failover), Code.Unavailable);
  delete failing["http://aggregator-0:8000"];
  assert.equal(await publish(failover), undefined);
  assert.deepEqual(calls, Array(2).fill("http://aggregator-0:8000"));
  assert.equal(moves().length, 0);
});

Deno.test("real aggregators: one closed, one refusing as it drains, an old one without batches; every point arrives", async () => {
  const { moves, records } = captureLogs();
  const servers = [
    await PublishServer.start(),
    await PublishServer.start(),
    await PublishServer.start({ batch: false }),
  ];
  const [closing, draining, old] = servers;
  const failover = new Failover(
    servers.map((server) =>
      connectAggregator({
        remoteAddress: { host: "127.0.0.1", port: server.port },
        protocol: "grpc",
      })
    ),
    { random: () => 0 }, // start on the first, move to the first healthy other
  );
  const queue = new PointQueue(10_000);
  const publisher = new Publisher(failover, queue, {
    callTimeoutMs: 1_000,
    backoff: { baseMs: 20, capMs: 100 },
  });
  const T0 = 1_764_000_000;
  let pushed = 0;
  const producing = setInterval(() => {
    queue.push({
      tags: { host: "abc" },
      point: create(PublishRequestSchema, { unixTime: BigInt(T0 + pushed++) }),
    });
  }, 10);
  const received = () => servers.flatMap((server) => server.received);
  try {
    await closing.waitForPoints(20, 10_000);
    await closing.close();
    await draining.waitForPoints(20, 10_000);
    draining.failWith = () => new ConnectError("the aggregator is shutting down", Code.Unavailable);
    await old.waitForPoints(20, 10_000);
  } finally {
    clearInterval(producing);
  }
  try {
    await waitUntil(() => received().length >= pushed, 10_000, "every pushed point received");
    assert.deepEqual(await publisher.drain(1_000), []);
  } finally {
    failover.close();
    await Promise.all(servers.map((server) => server.close()));
  }
  const times = received().map((point) => Number(point.request.unixTime) - T0);
  const unique = new Set(times);
  assert.deepEqual([...unique].sort((a, b) => a - b), Array.from({ length: pushed }, (_, i) => i));
  // At least once: only a call cut by the close may have stored points that are sent again.
  const duplicates = times.length - unique.size;
  assert.ok(duplicates <= closing.received.length, `${duplicates} duplicates`);
  assert.deepEqual(moves().map(({ from, to }) => [from, to]), [
    [`http://${closing.address}`, `http://${draining.address}`],
    [`http://${draining.address}`, `http://${old.address}`],
  ]);
  assert.match(String(moves()[1].why), /\[unavailable\] the aggregator is shutting down/);
  assert.equal(draining.refusedCalls, 1, "one refused call moved the collector");
  // Batch support is learnt per aggregator: the old one gets Publish, the new ones batches.
  assert.equal(closing.calls.publish + draining.calls.publish, 0);
  const fallbacks = records.filter((record) => /does not take batches/.test(record.message));
  assert.deepEqual(fallbacks.map((record) => record.properties.aggregator), [
    `http://${old.address}`,
  ]);
  assert.ok(old.calls.publish >= old.received.length);
  console.log(
    `${pushed} points: ${closing.received.length} / ${draining.received.length} / ` +
      `${old.received.length} stored, ${duplicates} duplicates`,
  );
});
