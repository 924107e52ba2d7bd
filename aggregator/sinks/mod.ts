/**
 * The aggregator's destinations: {@link createSinks} builds the configured
 * sinks (Datadog, InfluxDB, Prometheus, stdout) and the loss alerts they share; the
 * {@link Sink} contract is what the delivery loops call. Everything else in
 * this folder is internal to it.
 *
 * @module
 */
export { type ConfiguredSinks, createSinks } from "./configured.ts";
export type { DeliveryCounters, DeliveryOutcome, Sink } from "./sink.ts";
