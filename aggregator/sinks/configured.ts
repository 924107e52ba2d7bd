/**
 * Builds the sinks the configuration asks for, in a fixed order, and the loss
 * alerts they share. Each entry is one destination; every configured sink
 * receives every batch.
 *
 * @module
 */
import type { AggregatorConfig } from "../../shared/config/mod.ts";
import { PagerDutyAlerts } from "../notify/mod.ts";
import { DatadogSink } from "./datadog/sink.ts";
import { InfluxdbSink } from "./influxdb/sink.ts";
import { PrometheusSink } from "./prometheus/sink.ts";
import type { DeliveryCounters, Sink } from "./sink.ts";
import { StdoutSink } from "./stdout/sink.ts";
import { WorkerEncoder } from "./encoding/worker_encoder.ts";

/** The sinks to deliver to, and what to do once delivery has ended. */
export interface ConfiguredSinks {
  sinks: Sink[];
  /** At shutdown, after the last delivery: sends the loss alerts still held back. */
  close(): Promise<void>;
}

/** The configured sinks, counting into `counters`. */
export function createSinks(config: AggregatorConfig, counters: DeliveryCounters): ConfiguredSinks {
  const losses = config.notify ? new PagerDutyAlerts(config.notify) : undefined;
  const encoder = new WorkerEncoder();
  const options = { counters, losses, encoder };
  const sinks: Sink[] = [];
  if (config.datadog) sinks.push(new DatadogSink(config.datadog, options));
  if (config.influxdb) sinks.push(new InfluxdbSink(config.influxdb, options));
  if (config.prometheus) sinks.push(new PrometheusSink(config.prometheus, options));
  if (config.text) sinks.push(new StdoutSink(undefined, encoder));
  return {
    sinks,
    close: async () => {
      encoder.close();
      await losses?.close();
    },
  };
}
