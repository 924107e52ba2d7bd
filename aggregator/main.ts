/**
 * The aggregator program: reads `AGGREGATOR_*` configuration, logs it (secrets
 * masked, unsafe settings warned about), then serves until SIGTERM or SIGINT
 * and shuts down within AGGREGATOR_SHUTDOWN_TIMEOUT. `--healthcheck` instead
 * probes a running aggregator and exits 0 or 1; `--check` validates the
 * configuration, probes the spool and each destination and exits 0 or 1. A
 * configuration error prints one line and exits 2; a failure to start prints
 * one line and exits 1.
 *
 * @module
 */
import { ConfigError } from "../shared/config/mod.ts";
import { aggregatorConfig } from "./config/mod.ts";
import { literal, log, setupLogging } from "../shared/log.ts";
import { checkAggregator } from "./check.ts";
import { healthcheck } from "./healthcheck.ts";
import { assertBindable } from "./listen_addresses.ts";
import { AggregatorService } from "./service.ts";
import { PROBE_TIMEOUT_MS } from "./sinks/mod.ts";
import { startupFailure } from "./startup_failure.ts";
import { startupReport } from "./startup_report.ts";

function configuration() {
  try {
    return aggregatorConfig((name) => Deno.env.get(name));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    Deno.exit(2);
  }
}

const config = configuration();

if (Deno.args.includes("--healthcheck")) {
  try {
    console.log(await healthcheck(config));
    Deno.exit(0);
  } catch (error) {
    console.error(`unhealthy: ${(error as Error).message}`);
    Deno.exit(1);
  }
}

if (Deno.args.includes("--check")) {
  Deno.exit(await checkAggregator(config, (line) => console.log(line)) ? 0 : 1);
}

setupLogging({ debug: config.debug, json: config.jsonLogs });
const logger = log("aggregator");
const report = startupReport(config);
for (const line of report.lines) logger.info(literal(`configuration: ${line}`));
for (const warning of report.warnings) logger.warn(literal(`UNSAFE: ${warning}`));

/** A failure to start, thrown or raised outside the start promise (node:net's listen), is one line. */
function failedToStart(error: unknown): never {
  logger.fatal(literal(startupFailure(error, config)));
  Deno.exit(1);
}
const uncaught = (event: ErrorEvent | PromiseRejectionEvent) => {
  event.preventDefault();
  failedToStart("error" in event ? event.error : event.reason);
};
globalThis.addEventListener("error", uncaught);
globalThis.addEventListener("unhandledrejection", uncaught);
const service = new AggregatorService(config);
try {
  assertBindable(config);
  await service.start();
} catch (error) {
  failedToStart(error);
}
globalThis.removeEventListener("error", uncaught);
globalThis.removeEventListener("unhandledrejection", uncaught);
for (const { name, probe, probeAtStartup } of config.sinks) {
  if (!probe || !probeAtStartup) continue;
  probe(PROBE_TIMEOUT_MS).then(({ ok, message }) => {
    if (ok) logger.info(literal(`${name}: ${message}`));
    else logger.warn(literal(`${name}: ${message}`));
  });
}

const { promise: signalled, resolve } = Promise.withResolvers<string>();
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(signal, () => resolve(signal));
}
logger.info("stopping on {signal}", { signal: await signalled });
await service.stop();
logger.info("stopped");
Deno.exit(0);
