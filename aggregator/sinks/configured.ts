/**
 * Builds the sinks the configuration asks for, in the registry's order
 * (registry.ts), and the loss alerts they share. Each entry is one destination; every configured sink
 * receives every batch.
 *
 * @module
 */
import type { AggregatorConfig } from "../../shared/config/mod.ts";
import { PagerDutyAlerts } from "../notify/mod.ts";
import { configuredSinks, type SinkName } from "./registry.ts";
import type { DeliveryCounters, Sink } from "./sink.ts";
import { WorkerEncoder } from "./encoding/worker_encoder.ts";

/** The sinks to deliver to, and what to do once delivery has ended. */
export interface ConfiguredSinks {
  sinks: Sink<SinkName>[];
  /** At shutdown, after the last delivery: sends the loss alerts still held back. */
  close(): Promise<void>;
}

/** The configured sinks, counting into `counters`. */
export function createSinks(config: AggregatorConfig, counters: DeliveryCounters): ConfiguredSinks {
  const losses = config.notify ? new PagerDutyAlerts(config.notify) : undefined;
  const encoder = new WorkerEncoder();
  const options = { counters, losses, encoder };
  return {
    sinks: configuredSinks(config).map((sink) => sink.create(options)),
    close: async () => {
      encoder.close();
      await losses?.close();
    },
  };
}
