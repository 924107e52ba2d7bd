/**
 * The aggregator's destinations: {@link configuredSinks} reads, from the
 * registry, the sinks the environment turns on (Datadog, InfluxDB, Prometheus,
 * stdout), each with its destinations, secrets, startup line and `--check`
 * probe; {@link createSinks} builds them and the loss alerts they share; the
 * {@link Sink} contract is what the delivery loops call. Everything else in
 * this folder is internal to it.
 *
 * @module
 */
export { type ConfiguredSinks, createSinks } from "./configured.ts";
export { configuredSinks, type SinkName } from "./registry.ts";
export { type ConfiguredSink, PROBE_TIMEOUT_MS, type ProbeResult } from "./definition.ts";
export { reachable } from "./http/probe.ts";
export type { DeliveryOutcome, Sink } from "./sink.ts";
