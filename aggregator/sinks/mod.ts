/**
 * The aggregator's destinations: {@link createSinks} builds the configured
 * sinks (Datadog, InfluxDB, Prometheus, stdout) and the loss alerts they share;
 * {@link configuredSinks} lists them from the registry, each with its startup
 * line and `--check` probe; the {@link Sink} contract is what the delivery
 * loops call. Everything else in this folder is internal to it.
 *
 * @module
 */
export { type ConfiguredSinks, createSinks } from "./configured.ts";
export { configuredSinks, type SinkName } from "./registry.ts";
export type { ProbeResult } from "./definition.ts";
export { reachable } from "./http/probe.ts";
export { checkDatadogKey } from "./datadog/validate_key.ts";
export type { DeliveryCounters, DeliveryOutcome, Sink } from "./sink.ts";
