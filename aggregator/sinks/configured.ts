/**
 * Builds the sinks the configuration turned on (registry.ts) and the loss
 * alerts they share. Each entry is one destination; every configured sink
 * receives every batch.
 *
 * @module
 */
import type { DeliveryCounters } from "../counters.ts";
import { type NotifyConfig, PagerDutyAlerts } from "../notify/mod.ts";
import type { ConfiguredSink } from "./definition.ts";
import type { SinkName } from "./registry.ts";
import type { Sink } from "./sink.ts";
import { WorkerEncoder } from "./encoding/worker_encoder.ts";

/** The sinks to deliver to, and what to do once delivery has ended. */
export interface ConfiguredSinks {
  sinks: Sink<SinkName>[];
  /** At shutdown, after the last delivery: sends the loss alerts still held back. */
  close(): Promise<void>;
}

/** The configured sinks, counting into `counters`, alerting through `notify` when set. */
export function createSinks(
  configured: readonly ConfiguredSink<SinkName>[],
  counters: DeliveryCounters,
  notify?: NotifyConfig,
): ConfiguredSinks {
  const losses = notify ? new PagerDutyAlerts(notify) : undefined;
  const encoder = new WorkerEncoder();
  const options = { counters, losses, encoder };
  return {
    sinks: configured.map((sink) => sink.create(options)),
    close: async () => {
      encoder.close();
      await losses?.close();
    },
  };
}
