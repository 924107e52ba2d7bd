/**
 * Many collectors in one process, for load tests: `count` independent
 * copies of the collector (sampler → bounded queue → publisher on its own
 * HTTP/2 connection), each with its own container id for tags, all reading
 * the cgroup the `MINI_COLLECTOR_*` configuration names. Run it under the
 * collector's permission set:
 *
 *   deno run <programFlags("collector", env)> tests/support/load_driver.ts <count>
 *
 * Starts are spread over one poll interval. On SIGTERM or SIGINT every
 * collector stops, drains its queue, and the driver prints one JSON line: per
 * container the sample times produced, and the delivered / refused / dropped /
 * unsent counts.
 *
 * @module
 */
import { containerModeConfig } from "../../collector/config/mod.ts";
import { delay } from "../../shared/async/mod.ts";
import { setupLogging } from "../../shared/log.ts";
import { Collector, containerSource, tagHeaders } from "../../collector/mod.ts";

const DRAIN_MS = 10_000;

export interface LoadReport {
  produced: number[];
  delivered: number;
  refused: number;
  dropped: number;
  unsent: number;
}

const config = containerModeConfig((name) => Deno.env.get(name));
setupLogging({ debug: false, json: true });
const count = Number(Deno.args[0]);
const stop = new AbortController();
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(signal, () => stop.abort());
}
const stopped = new Promise((resolve) => stop.signal.addEventListener("abort", resolve));

/** The i-th collector's container id: the configured one with its first 4 hex digits replaced. */
function containerId(index: number): string {
  return index.toString(16).padStart(4, "0") + config.containerId.slice(4);
}

async function collector(index: number): Promise<[string, LoadReport]> {
  const id = containerId(index);
  const produced: number[] = [];
  await delay((index * config.pollIntervalMs) / count, { signal: stop.signal });
  const { sampler } = containerSource(config);
  const collector = new Collector(config, [{
    tags: tagHeaders({ ...config, containerId: id, hostName: id.slice(0, 12) }),
    sampler: {
      async sample(time) {
        const point = await sampler.sample(time);
        produced.push(Number(point.unixTime));
        return point;
      },
    },
  }]);
  collector.start();
  await stopped;
  const { delivered, refused, dropped, unsent } = await collector.stop(DRAIN_MS);
  return [id, { produced, delivered, refused, dropped, unsent: unsent.length }];
}

const reports = await Promise.all(Array.from({ length: count }, (_, index) => collector(index)));
console.log(JSON.stringify(Object.fromEntries(reports)));
Deno.exit(0);
