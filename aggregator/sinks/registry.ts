/**
 * Every sink the aggregator knows, in the order they are built, reported and
 * checked. Adding a sink is a folder of its own with a `definition.ts`
 * (aggregator/sinks/definition.ts) and one line here.
 *
 * @module
 */
import type { AggregatorConfig } from "../../shared/config/mod.ts";
import { DATADOG } from "./datadog/definition.ts";
import type { ConfiguredSink } from "./definition.ts";
import { INFLUXDB } from "./influxdb/definition.ts";
import { PROMETHEUS } from "./prometheus/definition.ts";
import { STDOUT } from "./stdout/definition.ts";

export const SINKS = [DATADOG, INFLUXDB, PROMETHEUS, STDOUT] as const;

/** A sink's name, as logs, counters and the spool's cursors know it. */
export type SinkName = typeof SINKS[number]["name"];

/** The sinks this configuration turns on, in registry order. */
export function configuredSinks(config: AggregatorConfig): ConfiguredSink<SinkName>[] {
  return SINKS.flatMap((sink) => sink.configure(config) ?? []);
}
