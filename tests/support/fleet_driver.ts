/**
 * Many sidecar collectors in one process, each with its own log identity, for
 * the fleet test: `count` independent copies of the container-mode collector
 * (sampler → bounded queue → failover publisher over every configured
 * aggregator), the i-th watching container `<i as 4 hex digits><rest of
 * MINI_COLLECTOR_CONTAINER_ID>` under the configured cgroup root (so the
 * root must hold a cgroup for each). Run it under the collector's permission
 * set:
 *
 *   deno run <programFlags("collector", env)> tests/support/fleet_driver.ts <count>
 *
 * Every log line is a JSON line carrying a `collector` property (the
 * container id), so tests/support/collector_ledger.ts can read each
 * collector's ledger and moves out of the one stderr (see `linesOf`). Each
 * collector logs the aggregator it starts on. On SIGTERM or SIGINT every
 * collector stops and flushes its queue; the process exits 0.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import {
  configureSync,
  getLogger,
  jsonLinesFormatter,
  resetSync,
  withContext,
} from "@logtape/logtape";
import { containerModeConfig } from "../../collector/config/mod.ts";
import { delay } from "../../shared/async/mod.ts";
import { Collector, containerSource } from "../../collector/mod.ts";

const FLUSH_MS = 10_000;

/** The i-th collector's container id: `base` with its first 4 hex digits replaced. */
export function fleetContainerId(base: string, index: number): string {
  return index.toString(16).padStart(4, "0") + base.slice(4);
}

/** The stderr lines of the collector watching `containerId`, as one log text. */
export function linesOf(stderr: string, containerId: string): string {
  return stderr.split("\n").filter((line) =>
    line.startsWith("{") && JSON.parse(line).properties?.collector === containerId
  ).join("\n");
}

async function main(): Promise<void> {
  const config = containerModeConfig((name) => Deno.env.get(name));
  const encoder = new TextEncoder();
  resetSync();
  configureSync({
    sinks: {
      stderr: (record) => Deno.stderr.writeSync(encoder.encode(jsonLinesFormatter(record))),
    },
    loggers: [
      { category: ["mini-collector"], sinks: ["stderr"], lowestLevel: "debug" },
      { category: ["logtape", "meta"], sinks: ["stderr"], lowestLevel: "warning" },
    ],
    contextLocalStorage: new AsyncLocalStorage(),
  });
  const logger = getLogger(["mini-collector", "fleet-driver"]);
  const count = Number(Deno.args[0]);
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(
      `fleet_driver.ts: the collector count must be a positive integer, not ${Deno.args[0]}`,
    );
  }
  const stop = new AbortController();
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => stop.abort());
  }
  const stopped = new Promise((resolve) => stop.signal.addEventListener("abort", resolve));

  /** One collector, every async step of it (and so every log line) in its own log context. */
  const run = async (index: number) => {
    const containerId = fleetContainerId(config.containerId, index);
    // Starts spread over one poll interval, as independent sidecars' would be.
    await delay((index * config.pollIntervalMs) / count, { signal: stop.signal }).catch(() => {});
    if (stop.signal.aborted) return;
    const settings = {
      ...config,
      containerId,
      hostName: containerId.slice(0, 12),
      cgroupRelativePath: undefined,
    };
    const collector = new Collector(settings, [containerSource(settings)]);
    logger.info("starts on {aggregator}", { aggregator: collector.aggregatorUrl });
    collector.start();
    await stopped;
    await collector.stop(FLUSH_MS);
  };
  await Promise.all(
    Array.from(
      { length: count },
      (_, index) =>
        withContext({ collector: fleetContainerId(config.containerId, index) }, () => run(index)),
    ),
  );
  Deno.exit(0);
}

if (import.meta.main) await main();
