/**
 * Builds the sinks the configuration asks for, in a fixed order. Each entry
 * is one destination; every configured sink receives every batch.
 */
import type { AggregatorConfig } from "../../shared/config/aggregator.ts";
import type { DeliveryCounters, Sink } from "./sink.ts";
import { StdoutSink } from "./stdout/stdout.ts";

export function createSinks(config: AggregatorConfig, _counters: DeliveryCounters): Sink[] {
  const sinks: Sink[] = [];
  // datadog: the Datadog sink (aggregator/sinks/datadog/) is added here.
  // influxdb: the InfluxDB sink (aggregator/sinks/influxdb/) is added here.
  if (config.text) sinks.push(new StdoutSink());
  return sinks;
}
