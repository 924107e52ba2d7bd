/**
 * The collector program: reads its configuration from `MINI_COLLECTOR_*`,
 * checks that its queue fits V8's heap limit and the cgroup root, then every poll interval samples its container
 * (container mode) or every container of the host (`MINI_COLLECTOR_MODE=host`)
 * and publishes the points through a bounded queue to one of the aggregators,
 * failing over between them. SIGTERM or SIGINT stops polling, flushes the
 * queue for up to five seconds and exits 0. `--check` instead samples twice,
 * one poll interval apart (rates need two readings), prints the second
 * points as the aggregator would store them, asks each aggregator
 * whether it answers, and exits 0 or 1 (collector/check.ts).
 *
 * @module
 */
import { getHeapStatistics } from "node:v8";
import { type CollectorConfig, collectorConfig } from "./config/mod.ts";
import { ConfigError } from "../shared/config/mod.ts";
import { formatDuration } from "../shared/duration.ts";
import { log, setupLogging } from "../shared/log.ts";
import { checkCollector } from "./check.ts";
import { heapProblem } from "./heap.ts";
import { Collector } from "./collector.ts";
import { HostContainers } from "./host/containers.ts";
import { selectRuntime } from "./host/select.ts";
import { containerSource, type SourceList } from "./source.ts";
import { cgroupRootProblem } from "./startup.ts";

const SHUTDOWN_FLUSH_MS = 5_000;

function loadConfig() {
  try {
    return collectorConfig((name) => Deno.env.get(name));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`mini-collector: ${error.message}`);
    Deno.exit(2);
  }
}

const config = loadConfig();
setupLogging({ debug: config.debug, json: config.jsonLogs });
const logger = log("collector");

if (Deno.args.includes("--check")) {
  const problem = await cgroupRootProblem(config.cgroupRoot);
  if (problem) console.log(`FAIL cgroup root: ${problem}`);
  const passed = !problem && await checkCollector(config, (line) => console.log(line));
  Deno.exit(passed ? 0 : 1);
}

const heap = heapProblem(config, getHeapStatistics().heap_size_limit);
if (heap) {
  console.error(`mini-collector: ${heap}`);
  Deno.exit(2);
}

const problem = await cgroupRootProblem(config.cgroupRoot);
if (problem) {
  logger.fatal(problem);
  Deno.exit(2);
}

const { sources, description } = await modeSources(config);
const collector = new Collector(config, sources);
logger.info(
  "collector starting: {protocol} to {aggregator} (mutual TLS {tls}) every {interval}, " +
    "queue {queueSize}, timeout {timeout}, failing over between {aggregators}; {mode} mode, " +
    "cgroup root {cgroupRoot}, " +
    description.template,
  {
    protocol: config.protocol,
    aggregator: collector.aggregatorUrl,
    aggregators: collector.aggregatorUrls.join(","),
    tls: config.tls ? "on" : "off",
    interval: formatDuration(config.pollIntervalMs),
    queueSize: config.queueSize,
    timeout: formatDuration(config.publishTimeoutMs),
    mode: config.mode,
    cgroupRoot: config.cgroupRoot,
    ...description.properties,
  },
);

/** What the mode samples, and how the startup line describes it. */
async function modeSources(config: CollectorConfig): Promise<{
  sources: SourceList;
  description: { template: string; properties: Record<string, string> };
}> {
  if (config.mode === "host") {
    const runtime = await selectRuntime(config);
    if ("problem" in runtime) {
      logger.fatal(runtime.problem);
      Deno.exit(2);
    }
    const containers = new HostContainers({ cgroupRoot: config.cgroupRoot, runtime });
    return {
      sources: () => containers.sources(),
      description: {
        template: "every {runtime} container below it, tagged from {tagSource}",
        properties: { runtime: runtime.name, tagSource: runtime.description },
      },
    };
  }
  const source = containerSource(config);
  return {
    sources: [source],
    description: {
      template: "cgroup {cgroup}, volume {mountPath}; tags {tags}",
      properties: {
        cgroup: config.cgroupRelativePath ?? "found from the container id",
        mountPath: config.mountPath ?? "none",
        tags: Object.entries(source.tags).map(([key, value]) => `${key}=${value}`).join(" "),
      },
    },
  };
}

const stopRequested = Promise.withResolvers<void>();
let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info("{signal}: stopping, flushing the queue", { signal });
    stopRequested.resolve();
  });
}

collector.start();
await stopRequested.promise;
await collector.stop(SHUTDOWN_FLUSH_MS);
Deno.exit(0);
