/**
 * Every sink the aggregator knows, in the order they are configured, built,
 * reported and checked. Adding a sink is a folder of its own with a
 * `definition.ts` (aggregator/sinks/definition.ts) and its line here.
 *
 * @module
 */
import { ConfigError, type Env } from "../../shared/config/mod.ts";
import type { ConfiguredSink } from "./definition.ts";
import { DATADOG } from "./datadog/definition.ts";
import { INFLUXDB } from "./influxdb/definition.ts";
import { PROMETHEUS } from "./prometheus/definition.ts";
import { STDOUT } from "./stdout/definition.ts";

export const SINKS = [DATADOG, INFLUXDB, PROMETHEUS, STDOUT] as const;

/** A sink's name, as logs, counters and the spool's cursors know it. */
export type SinkName = typeof SINKS[number]["name"];

/** The sinks the environment turns on, in registry order; at least one, or a ConfigError. */
export function configuredSinks(env: Env): ConfiguredSink<SinkName>[] {
  const sinks = SINKS.flatMap((sink) => sink.configure(env) ?? []);
  if (sinks.length === 0) {
    const variables = SINKS.map((sink) => sink.variable);
    throw new ConfigError(
      SINKS[0].variable,
      `no destination is configured: set at least one of ${variables.slice(0, -1).join(", ")} or ${
        variables.at(-1)
      }`,
      SINKS[0].example,
    );
  }
  return sinks;
}
