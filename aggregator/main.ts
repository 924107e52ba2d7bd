/**
 * The aggregator program: reads `AGGREGATOR_*` configuration, then serves
 * until SIGTERM or SIGINT and shuts down within AGGREGATOR_SHUTDOWN_TIMEOUT.
 * `--healthcheck` instead probes a running aggregator and exits 0 or 1.
 * A configuration error prints one line and exits 2.
 *
 * @module
 */
import { aggregatorConfig, ConfigError } from "../shared/config/mod.ts";
import { log, setupLogging } from "../shared/log.ts";
import { healthcheck } from "./healthcheck.ts";
import { AggregatorService } from "./service.ts";

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

setupLogging({ debug: config.debug, json: config.jsonLogs });
const logger = log("aggregator");
const service = new AggregatorService(config);
await service.start();

const { promise: signalled, resolve } = Promise.withResolvers<string>();
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(signal, () => resolve(signal));
}
logger.info("stopping on {signal}", { signal: await signalled });
await service.stop();
logger.info("stopped");
Deno.exit(0);
