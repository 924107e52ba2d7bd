/**
 * The collector program: reads its configuration from `MINI_COLLECTOR_*`,
 * checks the cgroup root, then samples the container every poll interval and
 * publishes each point through a bounded queue to one of the aggregators,
 * failing over between them. SIGTERM or SIGINT stops polling, flushes the
 * queue for up to five seconds and exits 0.
 *
 * @module
 */
import { collectorConfig, ConfigError } from "../shared/config/mod.ts";
import { formatDuration } from "../shared/duration.ts";
import { log, setupLogging } from "../shared/log.ts";
import { Collector } from "./collector.ts";
import { containerSource } from "./source.ts";
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

const problem = await cgroupRootProblem(config.cgroupRoot);
if (problem) {
  logger.fatal(problem);
  Deno.exit(2);
}

const source = containerSource(config);
const collector = new Collector(config, [source]);
logger.info(
  "collector starting: {protocol} to {aggregator} (mutual TLS {tls}) every {interval}, " +
    "queue {queueSize}, timeout {timeout}; cgroup root {cgroupRoot}, cgroup {cgroup}, " +
    "volume {mountPath}; tags {tags}; failing over between {aggregators}",
  {
    protocol: config.protocol,
    aggregator: collector.aggregatorUrl,
    aggregators: collector.aggregatorUrls.join(","),
    tls: config.tls ? "on" : "off",
    interval: formatDuration(config.pollIntervalMs),
    queueSize: config.queueSize,
    timeout: formatDuration(config.publishTimeoutMs),
    cgroupRoot: config.cgroupRoot,
    cgroup: config.cgroupRelativePath ?? "found from the container id",
    mountPath: config.mountPath ?? "none",
    tags: Object.entries(source.tags).map(([key, value]) => `${key}=${value}`).join(" "),
  },
);

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
