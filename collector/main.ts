/**
 * The collector program: reads its configuration from `MINI_COLLECTOR_*`,
 * checks the cgroup root, then samples the container every poll interval and
 * publishes each point to the aggregator through a bounded queue. SIGTERM or
 * SIGINT stops polling, flushes the queue for up to five seconds and exits 0.
 */
import { collectorConfig, ConfigError } from "../shared/config/mod.ts";
import { formatDuration } from "../shared/duration.ts";
import { log, setupLogging } from "../shared/log.ts";
import { pollEvery } from "./loop.ts";
import { createPipeline } from "./pipeline.ts";
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

const { connection, headers, points, queue, publisher } = createPipeline(config);
logger.info(
  "collector starting: {protocol} to {aggregator} (mutual TLS {tls}) every {interval}, " +
    "queue {queueSize}, timeout {timeout}; cgroup root {cgroupRoot}, cgroup {cgroup}, " +
    "volume {mountPath}; tags {tags}",
  {
    protocol: config.protocol,
    aggregator: connection.baseUrl,
    tls: config.tls ? "on" : "off",
    interval: formatDuration(config.pollIntervalMs),
    queueSize: config.queueSize,
    timeout: formatDuration(config.publishTimeoutMs),
    cgroupRoot: config.cgroupRoot,
    cgroup: config.cgroupRelativePath ?? "found from the container id",
    mountPath: config.mountPath ?? "none",
    tags: Object.entries(headers).map(([key, value]) => `${key}=${value}`).join(" "),
  },
);

const stop = new AbortController();
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(signal, () => {
    if (stop.signal.aborted) return;
    logger.info("{signal}: stopping, flushing the queue", { signal });
    stop.abort();
  });
}

await pollEvery(config.pollIntervalMs, async (time) => {
  try {
    queue.push(await points.sample(time));
  } catch (error) {
    logger.error("sampling failed, no point this time: {error}", { error: String(error) });
  }
}, stop.signal);

const unsent = await publisher.drain(SHUTDOWN_FLUSH_MS);
connection.close();
const times = unsent.map((point) => Number(point.unixTime));
const summary = {
  delivered: publisher.delivered,
  refused: publisher.refused,
  dropped: queue.dropped,
  unsent: unsent.length,
  first: times.length ? Math.min(...times) : "-",
  last: times.length ? Math.max(...times) : "-",
};
if (unsent.length > 0) {
  logger.warn(
    "stopped with {unsent} points unsent (sampled {first}..{last}); " +
      "{delivered} delivered, {refused} refused, {dropped} dropped when the queue was full",
    summary,
  );
} else {
  logger.info(
    "stopped: {delivered} delivered, {refused} refused, {dropped} dropped, nothing left unsent",
    summary,
  );
}
Deno.exit(0);
