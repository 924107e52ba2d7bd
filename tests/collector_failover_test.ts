/**
 * Failover between real processes: the real collector (1 s poll) given three
 * real aggregators in MINI_COLLECTOR_REMOTE_ADDRESS. The aggregator it
 * publishes to is killed with -9, then the one it moved to gets SIGTERM
 * (draining: it answers `unavailable` and goes away); the collector ends on
 * the third. Every point the collector logged as produced must be stored by
 * one of them (the killed one restarted on its spool to deliver what it had
 * acknowledged), and the time each move took is measured in polls. Also: an
 * aggregator told to stop answers every call on the collector's own client
 * with `unavailable` (or stores it) through its whole shutdown, listener-close
 * window included, so collectors move at once.
 */
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { connectAggregator } from "../collector/transport.ts";
import { AggregatorProcess } from "./support/aggregator.ts";
import { collectorLedger, producedTimes } from "./support/collector_ledger.ts";
import { CollectorProcess } from "./support/collector_process.ts";
import { withDeadline } from "./support/deadline.ts";
import { account, collectorEnv, CONTAINER_ID } from "./support/e2e_collectors.ts";
import { stdoutPoints, timesOf } from "./support/stored_points.ts";
import { tagHeaders } from "./support/publish_tags.ts";
import { delay } from "./support/until.ts";

const POLL_MS = 1_000;
/** A move may take the poll that finds the aggregator gone, plus a retry; more is a failure. */
const MOVE_LIMIT_POLLS = 3;

interface Move {
  from: string;
  to: string;
  why: string;
  /** Epoch ms the collector logged it. */
  at: number;
}

/** The moves the collector logged, from its JSON log. */
function moves(stderr: string): Move[] {
  return stderr.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line))
    .filter((record) => String(record.message).startsWith("moving from"))
    .map((record) => ({ ...record.properties, at: Date.parse(record["@timestamp"]) }));
}

function stored(aggregator: AggregatorProcess): Set<number> {
  return timesOf(stdoutPoints(aggregator.lines), CONTAINER_ID);
}

/** Waits for `count` fresh points on `aggregator`, so a stop falls between polls. */
async function afterFreshPoints(aggregator: AggregatorProcess, count = 3): Promise<void> {
  const seen = aggregator.lines.length;
  await aggregator.waitFor(
    () => aggregator.lines.length >= seen + count,
    (count + 5) * POLL_MS,
    `${count} fresh points`,
  );
}

/** Waits for the collector to log a move away from `from`; returns it. */
async function moveFrom(
  collector: CollectorProcess,
  from: AggregatorProcess,
  timeoutMs: number,
): Promise<Move> {
  await collector.waitForLog(new RegExp(`"from":"${from.baseUrl}"`), timeoutMs);
  return moves(collector.stderr).find((move) => move.from === from.baseUrl)!;
}

Deno.test("the collector moves off a killed and a draining aggregator within a few polls; nothing is lost", async () => {
  const aggregators = await Promise.all([0, 1, 2].map(() => AggregatorProcess.start()));
  const collector = new CollectorProcess(collectorEnv(0, {
    MINI_COLLECTOR_REMOTE_ADDRESS: aggregators.map((aggregator) => aggregator.address).join(","),
  }));
  try {
    await withDeadline(
      (async () => {
        // The random start: whichever aggregator gets the first point.
        await aggregators[0].waitFor(
          () => aggregators.some((aggregator) => aggregator.lines.length > 0),
          20_000,
          "the first point on any aggregator",
        );
        const first = aggregators.find((aggregator) => aggregator.lines.length > 0)!;
        await afterFreshPoints(first);
        const killedAt = Date.now();
        assert.equal((await first.kill("SIGKILL")).signal, "SIGKILL");
        const afterKill = await moveFrom(collector, first, MOVE_LIMIT_POLLS * POLL_MS + 2_000);
        const second = aggregators.find((aggregator) => aggregator.baseUrl === afterKill.to)!;
        assert.notEqual(second, first);

        await afterFreshPoints(second);
        const drainingAt = Date.now();
        const drained = second.kill("SIGTERM");
        const afterDrain = await moveFrom(collector, second, MOVE_LIMIT_POLLS * POLL_MS + 2_000);
        assert.equal((await drained).code, 0);
        const third = aggregators.find((aggregator) => aggregator.baseUrl === afterDrain.to)!;
        assert.ok(third !== first && third !== second, "the third aggregator, not a stopped one");
        await afterFreshPoints(third);

        assert.equal(await collector.stop("SIGTERM"), 0, collector.stderr);
        // The killed aggregator delivers what it acknowledged once back on its spool.
        await first.restart();

        const ledger = collectorLedger(collector.stderr);
        assert.equal(ledger.unsent, 0);
        assert.deepEqual([...ledger.dropped], []);
        assert.deepEqual([...ledger.refused], []);
        const counts = await account(
          producedTimes(ledger),
          () => new Set(aggregators.flatMap((aggregator) => [...stored(aggregator)])),
          20_000,
        );
        assert.deepEqual(counts.missing, [], "produced points stored nowhere");
        assert.equal(moves(collector.stderr).length, 2, "each move logged once");

        const killMs = afterKill.at - killedAt;
        const drainMs = afterDrain.at - drainingAt;
        console.log(
          `${counts.produced} points produced, ${counts.stored} stored ` +
            `(${[first, second, third].map((a) => stored(a).size).join(" / ")}); ` +
            `moved ${(killMs / POLL_MS).toFixed(1)} polls after kill -9 (${afterKill.why}), ` +
            `${(drainMs / POLL_MS).toFixed(1)} polls after SIGTERM (${afterDrain.why})`,
        );
        assert.ok(killMs <= MOVE_LIMIT_POLLS * POLL_MS, `${killMs} ms to move after kill -9`);
        assert.ok(drainMs <= MOVE_LIMIT_POLLS * POLL_MS, `${drainMs} ms to move after SIGTERM`);
      })(),
      60_000,
      "the failover scenario",
    );
  } finally {
    await collector.stop("SIGTERM", 10_000).catch(() => {});
    await Promise.all(aggregators.map((aggregator) => aggregator.close()));
  }
});

Deno.test("a draining aggregator answers unavailable through its whole shutdown; what it acknowledged is stored", async () => {
  await using aggregator = await AggregatorProcess.start();
  const start = Math.floor(Date.now() / 1000) - 3_600;
  const acknowledged = new Set<string>();
  const answers = new Map<string, number>();
  let stopped = false;
  /** Publish calls back to back on one kept connection per lane, until the process has exited. */
  const lane = async (container: string) => {
    const { client, close } = connectAggregator({
      remoteAddress: { host: "127.0.0.1", port: aggregator.port },
      protocol: "grpc",
    });
    for (let index = 0; !stopped; index++) {
      try {
        await client.publish({ unixTime: BigInt(start + index), running: true }, {
          headers: tagHeaders(container),
          timeoutMs: 2_000,
        });
        acknowledged.add(`${container} ${start + index}`);
      } catch (error) {
        const { code, rawMessage } = ConnectError.from(error);
        const answer = `[${Code[code]}] ${rawMessage.replace(/\d+/g, "N")}`;
        answers.set(answer, (answers.get(answer) ?? 0) + 1);
        await delay(2);
      }
    }
    close();
  };
  const containers = ["a", "b", "c", "d"].map((letter) => letter.repeat(64));
  const lanes = Promise.all(containers.map(lane));
  try {
    await aggregator.waitFor(() => aggregator.lines.length >= 40, 10_000, "40 points stored");
    const stopping = await aggregator.kill("SIGTERM");
    assert.equal(stopping.code, 0, aggregator.stderr);
  } finally {
    stopped = true;
    await withDeadline(lanes, 10_000, "the publish lanes to end");
  }
  console.log(
    `${acknowledged.size} acknowledged; answers while draining:`,
    Object.fromEntries(answers),
  );
  for (const answer of answers.keys()) assert.match(answer, /^\[Unavailable\]/);
  const points = stdoutPoints(aggregator.lines);
  const held = new Set(
    containers.flatMap((container) =>
      [...timesOf(points, container)].map((time) => `${container} ${time}`)
    ),
  );
  assert.deepEqual(
    [...acknowledged].filter((point) => !held.has(point)),
    [],
    "acknowledged, not stored",
  );
});
