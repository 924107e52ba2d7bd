/**
 * The real collector, under its declared permissions at a 1 s poll, against
 * hostile HTTP/2 servers, each a process of its own
 * (support/hostile_h2_server.ts): empty CONTINUATION frames without end, a
 * header block without end, informational answers without end, a PING flood
 * that never reads what the collector sends, a body trickled a byte at a
 * time. Against each, for several seconds of attack: the collector stays up,
 * its peak RSS stays within `PEAK_RSS_LIMIT_MIB`, it logs why it gave up on
 * the connection or the call, and it keeps sampling (its queue keeps taking
 * points, dropping the oldest once full). Given a real aggregator as well, it
 * moves there and delivers.
 */
import assert from "node:assert/strict";
import { AggregatorProcess } from "./support/aggregator.ts";
import { collectorLedger } from "./support/collector_ledger.ts";
import { CollectorProcess } from "./support/collector_process.ts";
import { withDeadline } from "./support/deadline.ts";
import { collectorEnv } from "./support/e2e_collectors.ts";
import { processMemory } from "./support/process_memory.ts";
import { until, waitUntil } from "./support/until.ts";

/**
 * A collector alone peaks at about 60 MiB here (BENCHMARKS.md); a flood may
 * leave garbage that is collected lazily, but not tens of MiB of it.
 */
const PEAK_RSS_LIMIT_MIB = 90;
/** How long each attack lasts once the collector has given up on the server once. */
const ATTACK_MS = 6_000;

type Mode = "continuation" | "headers" | "informational" | "ping" | "slow";

async function hostileServer(mode: Mode) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-net=127.0.0.1",
      new URL("./support/hostile_h2_server.ts", import.meta.url).pathname,
      mode,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value } = await withDeadline(lines.read(), 20_000, `the ${mode} server's port`);
  const port = Number(value?.trim());
  assert.ok(port > 0, `the ${mode} server printed "${value}"`);
  return {
    port,
    async [Symbol.asyncDispose]() {
      await child.stdin.close();
      await lines.cancel();
      await withDeadline(child.status, 10_000, `the ${mode} server to exit`);
    },
  };
}

/**
 * The sample times the collector's log has named so far (calls failed and
 * retried, points dropped from the full queue): more of them over time means
 * it goes on sampling.
 */
function sampled(collector: CollectorProcess): number {
  const times = new Set<number>();
  for (const line of collector.stderr.split("\n").filter((line) => line.startsWith("{"))) {
    const { properties } = JSON.parse(line);
    for (const time of properties.times ?? [properties.time]) if (time) times.add(time);
  }
  return times.size;
}

function hostile(mode: Mode, gaveUp: RegExp) {
  Deno.test(`a hostile server (${mode}): the collector stays within ${PEAK_RSS_LIMIT_MIB} MiB, says why and keeps sampling`, async () => {
    await using server = await hostileServer(mode);
    const collector = new CollectorProcess(
      collectorEnv(server.port, {
        MINI_COLLECTOR_QUEUE_SIZE: "2",
        MINI_COLLECTOR_PUBLISH_TIMEOUT: "2s",
      }),
    );
    try {
      await collector.waitForLog(gaveUp, 30_000);
      const sampledAtFirst = sampled(collector);
      const attackEnds = Date.now() + ATTACK_MS;
      let peakMib = 0;
      await waitUntil(
        async () => {
          const memory = await processMemory(collector.pid);
          assert.ok(memory, `the collector (pid ${collector.pid}) is gone:\n${collector.stderr}`);
          peakMib = memory.peakMib;
          return Date.now() > attackEnds;
        },
        ATTACK_MS + 10_000,
        "the attack's time",
      );
      const sampledAtEnd = sampled(collector);
      assert.ok(
        sampledAtEnd >= sampledAtFirst + 3,
        `sampling stalled: ${sampledAtFirst} then ${sampledAtEnd} points\n${collector.stderr}`,
      );
      console.log(`${mode}: peak RSS ${peakMib.toFixed(1)} MiB, ${sampledAtEnd} points sampled`);
      assert.ok(peakMib <= PEAK_RSS_LIMIT_MIB, `peak RSS ${peakMib} MiB`);
    } finally {
      assert.equal(await collector.stop("SIGTERM"), 0, collector.stderr);
    }
  });
}

/** The collector's line when it closes a connection for the server's conduct. */
const closing = (why: string) => new RegExp(`closing the HTTP/2 connection to .*: .*${why}`);
hostile("continuation", closing("ENHANCE_YOUR_CALM.*a header block in more than 16 frames"));
hostile("headers", closing("ENHANCE_YOUR_CALM.*a header block (in|of) more than"));
hostile("informational", /failed, will retry: .*more than 4 informational responses/);
hostile("ping", closing("ENHANCE_YOUR_CALM.*too many frames: ping"));
hostile("slow", /failed, will retry: .*deadline_exceeded/);

Deno.test("a PING flood on one aggregator: the collector moves to the other and delivers there", async () => {
  await using server = await hostileServer("ping");
  await using aggregator = await AggregatorProcess.start();
  const collector = new CollectorProcess(
    collectorEnv(server.port, {
      MINI_COLLECTOR_REMOTE_ADDRESS: `127.0.0.1:${server.port},127.0.0.1:${aggregator.port}`,
    }),
  );
  try {
    assert.ok(
      await until(() => aggregator.lines.length >= 3, 30_000),
      `no 3 points delivered to the aggregator:\n${collector.stderr}\n${aggregator.stderr}`,
    );
    const published = collectorLedger(collector.stderr).published.size;
    assert.ok(published >= 3, `${published} published`);
    const memory = await processMemory(collector.pid);
    console.log(`after moving: peak RSS ${memory?.peakMib.toFixed(1)} MiB`);
  } finally {
    assert.equal(await collector.stop("SIGTERM"), 0, collector.stderr);
  }
});
