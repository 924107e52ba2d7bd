/**
 * The kill -9 acceptance scenario, whatever the publishers send: publishers
 * load the real aggregator (its first run waiting an hour before closing a
 * partial delivery batch, so acknowledged points sit in the spool), the process
 * is killed with SIGKILL mid-stream — once the publishers have had more than
 * the scenario's minimum of points acknowledged, however long that takes on
 * a busy machine (within a deadline) — and after a restart with a short wait
 * every acknowledged point must appear on stdout at least once. Unplanned
 * crashes during the load are restarted by the supervisor, as in production.
 *
 * @module
 */
import assert from "node:assert/strict";
import { AggregatorProcess } from "./aggregator.ts";
import { withDeadline } from "./deadline.ts";
import { delay, until } from "./until.ts";

/** The longest the load may take to have enough points acknowledged before the kill. */
const LOAD_MS = 60_000;

/** One publisher's connection to the aggregator. */
export interface CrashPublisher {
  /**
   * Publishes round `round` (starting at 0, one call): the `milli_cpu_usage`
   * sequence numbers the aggregator acknowledged, or undefined when the call failed.
   */
  publish(round: number): Promise<number[] | undefined>;
  close(): Promise<void> | void;
}

export interface CrashScenario {
  publishers: number;
  /** A publisher for `aggregator` whose points carry the container tag `container`. */
  connect(aggregator: AggregatorProcess, container: string): CrashPublisher;
  /** The fewest points the load must have acknowledged before the kill. */
  minimumAcknowledged: number;
}

/** Runs the scenario; resolves with a one-line summary once every acknowledged point arrived. */
export async function crashUnderLoad(scenario: CrashScenario): Promise<string> {
  await using aggregator = await AggregatorProcess.start({
    supervise: true,
    env: { AGGREGATOR_MINIMUM_PUBLISH_FREQUENCY: "1h" },
  });
  const acknowledged = new Set<string>();
  let stop = false;
  const publishers = Array.from({ length: scenario.publishers }, async (_, publisher) => {
    const container = `publisher-${publisher}`;
    const client = scenario.connect(aggregator, container);
    try {
      for (let round = 0; !stop; round++) {
        const sequences = await client.publish(round);
        if (!sequences) await delay(50);
        for (const sequence of sequences ?? []) acknowledged.add(`${container}/${sequence}`);
      }
    } finally {
      await client.close();
    }
  });
  let killed: Deno.CommandStatus;
  try {
    // However slow the machine, the kill comes once enough points were acknowledged, not at a time.
    const enough = await until(() => acknowledged.size > scenario.minimumAcknowledged, LOAD_MS, 20);
    assert.ok(
      enough,
      `only ${acknowledged.size} points acknowledged within ${LOAD_MS} ms ` +
        `(more than ${scenario.minimumAcknowledged} needed before the kill)`,
    );
    killed = await aggregator.kill("SIGKILL");
  } finally {
    stop = true;
    await withDeadline(Promise.all(publishers), 30_000, "waiting for the publishers to stop");
  }
  assert.equal(killed.signal, "SIGKILL");
  const deliveredBeforeRestart = aggregator.lines.length;

  aggregator.env.AGGREGATOR_MINIMUM_PUBLISH_FREQUENCY = "100ms";
  await aggregator.restart();
  const delivered = () =>
    new Set(
      aggregator.points().map((point) =>
        `${(point.tags as Record<string, string>).container}/${
          (point.metrics as Record<string, number>).milli_cpu_usage
        }`
      ),
    );
  const missing = () => {
    const seen = delivered();
    return [...acknowledged].filter((key) => !seen.has(key));
  };
  await aggregator.waitFor(() => missing().length === 0, 60_000, "every acknowledged point");
  assert.ok(
    aggregator.lines.length > deliveredBeforeRestart,
    "the restarted aggregator delivered points from the spool",
  );
  return `${acknowledged.size} acknowledged, ${deliveredBeforeRestart} delivered before the kill, ` +
    `${aggregator.lines.length} lines in all, ${aggregator.crashes.length} unplanned restarts`;
}
