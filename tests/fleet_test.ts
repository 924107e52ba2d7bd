/**
 * A small fleet of real processes on 127.0.0.1: three aggregators, each
 * remote-writing (Prometheus sink) into one `vmagent`, which shards series by
 * container over two single-node VictoriaMetrics and buffers a target's share
 * on disk while it is down; 20 collectors publishing every second with all
 * three aggregators listed — 19 sidecars (container mode, one process, each
 * on its own copy of a real v1 fixture cgroup) and one per-host collector
 * (its own process, three Docker fixture containers on a real v2 fixture).
 *
 * During the run one aggregator gets kill -9, another SIGTERM, and both are
 * restarted (the killed one on its spool); then one VictoriaMetrics is
 * stopped and started again. At the end every point the collectors logged
 * as produced must be in the union of the two stores (export API), except
 * exactly the points they logged as dropped from a full queue; and each
 * collector that was on a faulted aggregator must have moved off it within a
 * few polls (measured from its log).
 *
 * @module
 */
import assert from "node:assert/strict";
import { AggregatorProcess } from "./support/aggregator.ts";
import { ContainerTree } from "./support/cgroup_container_tree.ts";
import { readCapture } from "./support/cgroup_fixtures.ts";
import { collectorLedger, LEDGER_ENV, producedTimes } from "./support/collector_ledger.ts";
import { msToMove, placement } from "./support/collector_moves.ts";
import { CollectorProcess } from "./support/collector_process.ts";
import { withDeadline } from "./support/deadline.ts";
import { DOCKER_CONTAINERS, dockerRoot } from "./support/docker_root.ts";
import { recordScenario } from "./support/e2e_summary.ts";
import { fleetContainerId, linesOf } from "./support/fleet_driver.ts";
import {
  receiversMissing,
  type RestartableReceiver,
  startRestartableVictoriaMetrics,
} from "./support/receivers.ts";
import { delay, until, waitUntil } from "./support/until.ts";
import { exportedTimes, startVmagent, vmagentMissing } from "./support/vmagent.ts";

const POLL_MS = 1_000;
const SIDECARS = 19;
/** A move may take the poll that finds the aggregator gone, plus a retry; more is a failure. */
const MOVE_LIMIT_POLLS = 3;
const DRIVER = new URL("./support/fleet_driver.ts", import.meta.url).pathname;
const HOST_CONTAINERS = [
  DOCKER_CONTAINERS.web,
  DOCKER_CONTAINERS.worker,
  DOCKER_CONTAINERS.ordersDb,
];

const missing = (await receiversMissing()) ?? vmagentMissing();
if (missing) console.log(`skipping the fleet test: ${missing}`);

/** Container id → sample times, over every store. */
async function storedUnion(stores: RestartableReceiver[]): Promise<Map<string, Set<number>>> {
  const union = new Map<string, Set<number>>();
  for (const store of stores) {
    for (
      const [container, times] of await exportedTimes(store.url, "enclave_running", "container")
    ) {
      union.set(container, new Set([...(union.get(container) ?? []), ...times]));
    }
  }
  return union;
}

/** What each container's collector produced and logged as dropped, from the collectors' logs. */
interface Expected {
  produced: Map<string, Set<number>>;
  dropped: Map<string, Set<number>>;
}

function expectedPoints(driverLog: string, sidecars: string[], hostLog: string): Expected {
  const produced = new Map<string, Set<number>>();
  const dropped = new Map<string, Set<number>>();
  for (const id of sidecars) {
    const ledger = collectorLedger(linesOf(driverLog, id));
    assert.equal(ledger.unsent, 0, `${id}: unsent points`);
    assert.deepEqual([...ledger.refused], [], `${id}: refused points`);
    produced.set(id, producedTimes(ledger));
    dropped.set(id, ledger.dropped);
  }
  // Host mode samples every container at each poll's time: its ledger's times hold for each.
  const host = collectorLedger(hostLog);
  assert.equal(host.unsent, 0, "host collector: unsent points");
  assert.deepEqual([...host.refused], [], "host collector: refused points");
  assert.deepEqual(
    [...host.dropped],
    [],
    "host collector: its queue holds every container's points",
  );
  for (const id of HOST_CONTAINERS) {
    produced.set(id, producedTimes(host));
    dropped.set(id, new Set());
  }
  return { produced, dropped };
}

interface Count {
  produced: number;
  stored: number;
  dropped: number;
  /** Produced, not dropped, not stored: "container time". */
  missing: string[];
  /** Stored but never produced. */
  phantom: string[];
}

function count(expected: Expected, stored: Map<string, Set<number>>): Count {
  const result: Count = { produced: 0, stored: 0, dropped: 0, missing: [], phantom: [] };
  for (const [id, times] of expected.produced) {
    const held = stored.get(id) ?? new Set();
    const dropped = expected.dropped.get(id)!;
    result.produced += times.size;
    result.dropped += dropped.size;
    for (const time of times) {
      if (held.has(time)) result.stored++;
      else if (!dropped.has(time)) result.missing.push(`${id.slice(0, 12)} ${time}`);
    }
    for (const time of held) {
      if (!times.has(time)) result.phantom.push(`${id.slice(0, 12)} ${time}`);
    }
  }
  for (const id of stored.keys()) {
    if (!expected.produced.has(id)) result.phantom.push(`${id.slice(0, 12)} (unknown container)`);
  }
  return result;
}

/** Polls (1 decimal) each collector on `aggregator` at `at` took to move off it. */
function pollsToMove(logs: string[], aggregator: string, at: number): number[] {
  return logs.map((log) => msToMove(placement(log), aggregator, at))
    .filter((ms) => ms !== undefined).map((ms) => Math.round(ms / 100) / 10);
}

function describe(polls: number[]): string {
  const sorted = polls.toSorted((a, b) => a - b);
  return `${polls.length} collectors, polls to move min ${sorted[0]} / median ${
    sorted[Math.floor(sorted.length / 2)]
  } / max ${sorted.at(-1)}`;
}

Deno.test({
  name: "a fleet through aggregator kill -9, SIGTERM and a store outage: every produced point " +
    "is stored but the logged drops; collectors move within a few polls",
  ignore: missing !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const stores = await Promise.all([0, 1].map(() => startRestartableVictoriaMetrics()));
    const vmagent = await startVmagent(stores.map((store) => store.url), "shard");
    const aggregators = await Promise.all([0, 1, 2].map(() =>
      AggregatorProcess.start({
        env: {
          AGGREGATOR_PROMETHEUS_CONFIGURATION: JSON.stringify({
            url: vmagent.writeUrl.href,
            timeout: "5s",
          }),
        },
      })
    ));
    const remoteAddress = aggregators.map((aggregator) => aggregator.address).join(",");
    const sidecarTree = await ContainerTree.create("v1-cgroupfs");
    const { containerId: base } = await readCapture("v1-cgroupfs");
    const sidecars = Array.from({ length: SIDECARS }, (_, index) => fleetContainerId(base, index));
    await sidecarTree.addAll(sidecars, ContainerTree.layouts.cgroupfs);
    const hostTree = await ContainerTree.create("v2-cgroupfs");
    await hostTree.addAll(HOST_CONTAINERS, ContainerTree.layouts.cgroupfs);
    const docker = await dockerRoot();
    const common = {
      MINI_COLLECTOR_REMOTE_ADDRESS: remoteAddress,
      MINI_COLLECTOR_ENVIRONMENT_NAME: "fleet",
      MINI_COLLECTOR_POLL_INTERVAL: `${POLL_MS}ms`,
      ...LEDGER_ENV,
    };
    const driver = new CollectorProcess(
      {
        ...common,
        MINI_COLLECTOR_CONTAINER_ID: base,
        MINI_COLLECTOR_SERVICE_NAME: "web",
        MINI_COLLECTOR_CGROUP_PATH: sidecarTree.root,
        MINI_COLLECTOR_QUEUE_SIZE: "30",
      },
      undefined,
      DRIVER,
      [String(SIDECARS)],
    );
    const host = new CollectorProcess({
      ...common,
      MINI_COLLECTOR_MODE: "host",
      MINI_COLLECTOR_CGROUP_PATH: hostTree.root,
      MINI_COLLECTOR_DOCKER_ROOT: docker,
      MINI_COLLECTOR_QUEUE_SIZE: "300",
    });
    const logs = () => [...sidecars.map((id) => linesOf(driver.stderr, id)), host.stderr];
    try {
      await withDeadline(
        (async () => {
          await waitUntil(
            () => logs().every((log) => /"message":"published /.test(log)),
            20_000,
            "every collector's first published point",
          );
          await delay(3 * POLL_MS);

          const [killed, drained] = aggregators;
          const killedAt = Date.now();
          assert.equal((await killed.kill("SIGKILL")).signal, "SIGKILL");
          await delay((MOVE_LIMIT_POLLS + 1) * POLL_MS);
          await killed.restart();

          const drainedAt = Date.now();
          assert.equal((await drained.kill("SIGTERM")).code, 0, drained.stderr);
          await delay((MOVE_LIMIT_POLLS + 1) * POLL_MS);
          await drained.restart();

          const [stopped] = stores;
          await stopped.pause();
          let buffered = 0;
          for (const outageEnd = Date.now() + 6 * POLL_MS; Date.now() < outageEnd;) {
            buffered = Math.max(buffered, await vmagent.pendingBytes());
            await delay(500);
          }
          await stopped.resume();
          await delay(3 * POLL_MS);

          assert.equal(await driver.stop("SIGTERM", 20_000), 0, driver.stderr.slice(-3000));
          assert.equal(await host.stop("SIGTERM", 20_000), 0, host.stderr.slice(-3000));

          const expected = expectedPoints(driver.stderr, sidecars, host.stderr);
          let counted = count(expected, new Map());
          await until(
            async () => {
              counted = count(expected, await storedUnion(stores));
              return counted.missing.length === 0 && counted.phantom.length === 0;
            },
            30_000,
            1_000,
          );
          const afterKill = pollsToMove(logs(), killed.baseUrl, killedAt);
          const afterDrain = pollsToMove(logs(), drained.baseUrl, drainedAt);
          const shards = await Promise.all(
            stores.map(async (store) =>
              (await exportedTimes(store.url, "enclave_running", "container")).size
            ),
          );
          const notes = `kill -9: ${describe(afterKill)}; SIGTERM: ${describe(afterDrain)}; ` +
            `vmagent buffered up to ${buffered} bytes for the stopped store; ` +
            `containers per store ${shards.join(" / ")}`;
          recordScenario({
            scenario:
              "fleet: 3 aggregators, vmagent sharding over 2 VictoriaMetrics, 20 collectors",
            produced: counted.produced,
            stored: counted.stored,
            expectedLost: counted.dropped,
            result: counted.missing.length === 0 && counted.phantom.length === 0 &&
                [...afterKill, ...afterDrain].every((polls) => polls <= MOVE_LIMIT_POLLS)
              ? "pass"
              : "FAIL",
            notes,
          });
          assert.deepEqual(counted.missing.slice(0, 20), [], "produced, not dropped, not stored");
          assert.deepEqual(counted.phantom.slice(0, 20), [], "stored, never produced");
          assert.ok(afterKill.length > 0 && afterDrain.length > 0, "some collectors on each");
          assert.ok(buffered > 0, "vmagent held the stopped store's share on disk");
          assert.equal(shards.reduce((sum, size) => sum + size, 0), expected.produced.size);
          assert.ok(shards.every((size) => size > 0), "series sharded over both stores");
          for (const polls of [...afterKill, ...afterDrain]) {
            assert.ok(polls <= MOVE_LIMIT_POLLS, `a collector took ${polls} polls to move`);
          }
        })(),
        90_000,
        "the fleet scenario",
      );
    } finally {
      await driver.stop("SIGKILL", 10_000).catch(() => {});
      await host.stop("SIGKILL", 10_000).catch(() => {});
      await Promise.all(aggregators.map((aggregator) => aggregator.close()));
      await vmagent.stop();
      await Promise.all(stores.map((store) => store.stop()));
      await sidecarTree[Symbol.asyncDispose]();
      await hostTree[Symbol.asyncDispose]();
      await Deno.remove(docker, { recursive: true });
    }
  },
});
