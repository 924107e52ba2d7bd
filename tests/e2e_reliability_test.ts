/**
 * End-to-end reliability, real processes under their real permission sets:
 * faults (aggregator kill -9, destination down for 60 s, destination
 * answering 500/429/202, collector restart, collector cut off from the
 * aggregator for longer than its queue covers) and load (50 collectors at a
 * 1 s poll for 2 minutes). Each scenario counts the points the collectors
 * produced against the distinct points the destination holds at the end.
 * Three lanes run side by side to fit the CI budget: the load, the
 * destination outage, and the other faults one after another. Aggregators
 * that die on their own are restarted as production would (docs/ARCHITECTURE.md,
 * "Platform facts") and counted.
 */
import { childOutputWithin } from "./support/deadline.ts";
import assert from "node:assert/strict";
import { AggregatorProcess } from "./support/aggregator.ts";
import { collectorLedger, producedTimes } from "./support/collector_ledger.ts";
import { collectorFlags, CollectorProcess, denoCommand } from "./support/collector_process.ts";
import { account, type Accounting, collectorEnv, CONTAINER_ID } from "./support/e2e_collectors.ts";
import { recordScenario, type SummaryRow } from "./support/e2e_summary.ts";
import type { LoadReport } from "./support/load_driver.ts";
import { processMemory } from "./support/process_memory.ts";
import { receiversMissing, startRestartableVictoriaMetrics } from "./support/receivers.ts";
import { scriptedServer } from "./support/scripted_server.ts";
import {
  datadogV1Points,
  stdoutPoints,
  timesOf,
  victoriaMetricsPoints,
} from "./support/stored_points.ts";
import { delay, until, waitUntil } from "./support/until.ts";

const LOAD_COLLECTORS = 50;
const LOAD_MS = 120_000;
const OUTAGE_MS = 60_000;
const LOAD_PEAK_LIMIT_MIB = 400;
const DRIVER = new URL("./support/load_driver.ts", import.meta.url).pathname;

const missingReceivers = await receiversMissing();

function storedOnStdout(aggregator: AggregatorProcess): Set<number> {
  return timesOf(stdoutPoints(aggregator.lines), CONTAINER_ID);
}

function pointsSeen(aggregator: AggregatorProcess): number {
  return aggregator.lines.length;
}

/**
 * Stops the aggregator in the quiet part of a poll interval: right after a
 * point reached stdout, so with kill -9 no publish call is in flight and no
 * point is both stored and unacknowledged. SIGTERM is the graceful stop: the
 * aggregator sends HTTP/2 GOAWAY, finishes its calls and exits 0.
 */
async function stopBetweenPolls(
  aggregator: AggregatorProcess,
  signal: "SIGKILL" | "SIGTERM",
): Promise<void> {
  const seen = pointsSeen(aggregator);
  await aggregator.waitFor(() => pointsSeen(aggregator) > seen, 30_000, "a fresh point");
  const stopped = await aggregator.kill(signal);
  if (signal === "SIGKILL") assert.equal(stopped.signal, "SIGKILL");
  else assert.equal(stopped.code, 0);
}

function crashes(aggregator: AggregatorProcess): string {
  return `aggregator crashes restarted ${aggregator.crashes.length}`;
}

function row(scenario: string, counts: Accounting, expectedLost: number, notes: string) {
  return {
    scenario,
    produced: counts.produced,
    stored: counts.stored,
    expectedLost,
    result: "pass",
    notes,
  } satisfies SummaryRow;
}

/** Runs a collector until `body` returns, then stops it with SIGTERM (exit 0 expected). */
async function withCollector(
  env: Record<string, string>,
  body: (collector: CollectorProcess) => Promise<void>,
): Promise<CollectorProcess> {
  const collector = new CollectorProcess(env);
  try {
    await body(collector);
  } finally {
    const code = await collector.stop("SIGTERM");
    assert.equal(code, 0, collector.stderr.slice(-2000));
  }
  return collector;
}

/** The aggregator stopped (kill -9, or gracefully) and restarted while a collector publishes. */
function aggregatorRestarted(signal: "SIGKILL" | "SIGTERM"): () => Promise<SummaryRow> {
  const scenario = signal === "SIGKILL"
    ? "aggregator kill -9 + restart"
    : "aggregator SIGTERM + restart";
  return async function aggregatorRestart() {
    await using aggregator = await AggregatorProcess.start({ supervise: true });
    const collector = await withCollector(collectorEnv(aggregator.port), async () => {
      await aggregator.waitFor(() => pointsSeen(aggregator) >= 3, 30_000, "3 points");
      await stopBetweenPolls(aggregator, signal);
      await delay(2_000);
      await aggregator.restart();
      const before = pointsSeen(aggregator);
      await aggregator.waitFor(() => pointsSeen(aggregator) >= before + 3, 30_000, "3 more points");
    });
    const counts = await account(
      producedTimes(collectorLedger(collector.stderr)),
      () => storedOnStdout(aggregator),
      30_000,
    );
    assert.deepEqual(counts.missing, []);
    return row(scenario, counts, 0, crashes(aggregator));
  };
}

async function collectorRestarted(): Promise<SummaryRow> {
  await using aggregator = await AggregatorProcess.start({ supervise: true });
  const runs: CollectorProcess[] = [];
  for (let run = 0; run < 2; run++) {
    runs.push(
      await withCollector(collectorEnv(aggregator.port), async () => {
        const before = pointsSeen(aggregator);
        await aggregator.waitFor(() => pointsSeen(aggregator) >= before + 3, 30_000, "3 points");
      }),
    );
  }
  const counts = await account(
    producedTimes(...runs.map((run) => collectorLedger(run.stderr))),
    () => storedOnStdout(aggregator),
    30_000,
  );
  assert.deepEqual(counts.missing, []);
  return row("collector restarted", counts, 0, crashes(aggregator));
}

async function destinationErrors(): Promise<SummaryRow> {
  const statuses: number[] = [];
  const server = scriptedServer((_, index) => {
    const status = [500, 429][index] ?? 202;
    statuses[index] = status;
    return new Response(status === 202 ? '{"status":"ok"}' : "try again", {
      status,
      headers: status === 429 ? { "retry-after": "1" } : {},
    });
  });
  try {
    await using aggregator = await AggregatorProcess.start({
      supervise: true,
      env: {
        AGGREGATOR_DATADOG_CONFIGURATION: JSON.stringify({
          api_key: "e2e-scripted-key",
          series_url: new URL("/api/v1/series", server.url).href,
          timeout: "5s",
          retry_count: "5",
        }),
      },
    });
    const collector = await withCollector(collectorEnv(aggregator.port), async () => {
      await waitUntil(() => statuses.includes(202), 60_000, "a request answered 202");
      const before = pointsSeen(aggregator);
      await aggregator.waitFor(() => pointsSeen(aggregator) >= before + 2, 30_000, "2 points");
    });
    const counts = await account(
      producedTimes(collectorLedger(collector.stderr)),
      () =>
        timesOf(
          datadogV1Points(
            server.received.filter((_, index) => statuses[index] === 202).map((r) => r.text),
          ),
          CONTAINER_ID,
        ),
      30_000,
    );
    assert.deepEqual(statuses.slice(0, 2), [500, 429]);
    assert.deepEqual(counts.missing, []);
    return row(
      "destination 500, 429, then 202",
      counts,
      0,
      `${statuses.length} requests (${statuses.slice(0, 3).join(", ")}…); ${crashes(aggregator)}`,
    );
  } finally {
    await server.close();
  }
}

async function collectorCutOff(): Promise<SummaryRow> {
  const queueSize = 3;
  await using aggregator = await AggregatorProcess.start({ supervise: true });
  let outageMs = 0;
  const collector = await withCollector(
    collectorEnv(aggregator.port, { MINI_COLLECTOR_QUEUE_SIZE: String(queueSize) }),
    async (collector) => {
      await aggregator.waitFor(() => pointsSeen(aggregator) >= 2, 30_000, "2 points");
      await stopBetweenPolls(aggregator, "SIGKILL");
      const cut = Date.now();
      // The queue covers queueSize × 1 s; stay away until it has dropped 3 points.
      await waitUntil(
        () => collectorLedger(collector.stderr).dropped.size >= 3,
        60_000,
        "the collector to drop 3 points",
      );
      await aggregator.restart();
      outageMs = Date.now() - cut;
      const back = Math.floor(Date.now() / 1000);
      await aggregator.waitFor(
        () => aggregator.points().some((point) => (point.unix_time as number) > back),
        30_000,
        "a point sampled after the aggregator came back",
      );
    },
  );
  const ledger = collectorLedger(collector.stderr);
  const counts = await account(
    producedTimes(ledger),
    () => storedOnStdout(aggregator),
    30_000,
    ledger.dropped,
  );
  assert.deepEqual(counts.missing, [...ledger.dropped].sort());
  assert.equal(ledger.unsent, 0);
  return row(
    "collector cut off (aggregator killed)",
    counts,
    ledger.dropped.size,
    `queue ${queueSize} at 1 s, outage ${(outageMs / 1000).toFixed(1)} s; ` +
      `lost = the collector's logged drops; ${crashes(aggregator)}`,
  );
}

async function destinationDown(): Promise<SummaryRow> {
  if (missingReceivers) {
    return {
      scenario: "destination down 60 s",
      result: "pass",
      notes: `skipped: ${missingReceivers}`,
    };
  }
  const receiver = await startRestartableVictoriaMetrics();
  try {
    await using aggregator = await AggregatorProcess.start({
      supervise: true,
      env: {
        AGGREGATOR_DATADOG_CONFIGURATION: JSON.stringify({
          api_key: "e2e-outage-key",
          series_url: new URL("/datadog/api/v1/series", receiver.url).href,
          timeout: "5s",
          retry_count: "2",
        }),
      },
    });
    const inVictoriaMetrics = async () =>
      timesOf(await victoriaMetricsPoints(receiver.url), CONTAINER_ID);
    const collector = await withCollector(collectorEnv(aggregator.port), async () => {
      await waitUntil(async () => (await inVictoriaMetrics()).size >= 2, 30_000, "2 stored points");
      await receiver.pause();
      await delay(OUTAGE_MS);
      await receiver.resume();
      const before = pointsSeen(aggregator);
      await aggregator.waitFor(() => pointsSeen(aggregator) >= before + 2, 30_000, "2 points");
    });
    // After a minute of failures the sink's backoff may wait up to a minute more.
    const counts = await account(
      producedTimes(collectorLedger(collector.stderr)),
      inVictoriaMetrics,
      150_000,
    );
    assert.deepEqual(counts.missing, []);
    return row(
      "destination (VictoriaMetrics) down 60 s",
      counts,
      0,
      `outage ${OUTAGE_MS / 1000} s; ${crashes(aggregator)}`,
    );
  } finally {
    await receiver.stop();
  }
}

async function load(): Promise<SummaryRow> {
  await using aggregator = await AggregatorProcess.start({ supervise: true });
  const env = collectorEnv(aggregator.port, { MINI_COLLECTOR_QUEUE_SIZE: "10" });
  const driver = denoCommand(collectorFlags(env), DRIVER, env, [String(LOAD_COLLECTORS)]).spawn();
  const output = childOutputWithin(
    driver,
    LOAD_MS + 60_000,
    "waiting for the load driver's collectors to report",
  );
  let peakMib = 0;
  let rssMib = 0;
  const sampleMemory = async () => {
    const memory = aggregator.pid ? await processMemory(aggregator.pid) : undefined;
    if (memory) [peakMib, rssMib] = [Math.max(peakMib, memory.peakMib), memory.rssMib];
  };
  const started = Date.now();
  await until(
    async () => {
      await sampleMemory();
      return Date.now() - started >= LOAD_MS;
    },
    LOAD_MS + 5_000,
    5_000,
  );
  driver.kill("SIGTERM");
  const { code, stdout, stderr } = await output;
  const log = new TextDecoder().decode(stderr);
  assert.equal(code, 0, log.slice(-3000));
  const reports: Record<string, LoadReport> = JSON.parse(new TextDecoder().decode(stdout));
  assert.equal(Object.keys(reports).length, LOAD_COLLECTORS);
  const produced = new Map(
    Object.entries(reports).map(([id, report]) => [id, new Set(report.produced)]),
  );
  const total = (count: (report: LoadReport) => number) =>
    Object.values(reports).reduce((sum, report) => sum + count(report), 0);
  let stored = new Map<string, Set<number>>();
  const missing = () =>
    [...produced].reduce(
      (sum, [id, times]) => sum + [...times].filter((time) => !stored.get(id)?.has(time)).length,
      0,
    );
  await until(
    () => {
      const points = stdoutPoints(aggregator.lines);
      stored = new Map([...produced.keys()].map((id) => [id, timesOf(points, id)]));
      return missing() === 0;
    },
    30_000,
    500,
  );
  await sampleMemory();
  const producedCount = [...produced.values()].reduce((sum, times) => sum + times.size, 0);
  const failures = log.split("\n").filter((line) => line.includes("failed, will retry")).length;
  const figures = {
    refused: total((report) => report.refused),
    dropped: total((report) => report.dropped),
    unsent: total((report) => report.unsent),
  };
  assert.deepEqual(figures, { refused: 0, dropped: 0, unsent: 0 });
  assert.equal(missing(), 0);
  assert.ok(producedCount >= LOAD_COLLECTORS * (LOAD_MS / 1000) * 0.8, `${producedCount} produced`);
  assert.ok(peakMib < LOAD_PEAK_LIMIT_MIB, `aggregator peak RSS ${peakMib} MiB`);
  return {
    scenario: `load: ${LOAD_COLLECTORS} collectors at 1 s for ${LOAD_MS / 60_000} min`,
    produced: producedCount,
    stored: producedCount - missing(),
    expectedLost: 0,
    result: "pass",
    notes:
      `aggregator peak RSS ${peakMib.toFixed(0)} MiB (VmHWM; ${rssMib.toFixed(0)} MiB at end), ` +
      `${failures} retried calls, 0 refused/dropped; ${crashes(aggregator)}`,
  };
}

/** Runs the scenarios of one lane one after another; a failure is recorded and the lane goes on. */
async function lane(...scenarios: (() => Promise<SummaryRow>)[]): Promise<unknown[]> {
  const failures: unknown[] = [];
  for (const scenario of scenarios) {
    try {
      recordScenario(await scenario());
    } catch (error) {
      failures.push(error);
      recordScenario({
        scenario: scenario.name,
        result: "FAIL",
        notes: String(error).split("\n")[0].slice(0, 160),
      });
    }
  }
  return failures;
}

Deno.test("faults and load: every produced point is stored, or lost exactly as logged", async () => {
  const failures = (await Promise.all([
    lane(load),
    lane(destinationDown),
    lane(aggregatorRestarted("SIGKILL"), collectorRestarted, destinationErrors, collectorCutOff),
    lane(aggregatorRestarted("SIGTERM")),
  ])).flat();
  if (failures.length > 0) throw failures[0];
});
