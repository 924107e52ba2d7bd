/**
 * Records what a sink reports, for sink tests: its counted decisions (summed
 * per decision), the problems and losses it reports, and — once `captureLogs` is called —
 * every log line the process writes.
 */
import type { DeliveryCounters } from "../../aggregator/counters.ts";
import type { Loss, LossReporter } from "../../aggregator/notify/mod.ts";
import { setupLogging } from "../../shared/log.ts";

export class DeliveryRecorder implements DeliveryCounters, LossReporter {
  counts: Record<string, number> = {};
  losses: Loss[] = [];
  problems: string[] = [];
  logs: string[] = [];

  count(_sink: string, decision: string, points: number): void {
    this.counts[decision] = (this.counts[decision] ?? 0) + points;
  }

  problem(_sink: string, message: string): void {
    this.problems.push(message);
  }

  lost(loss: Loss): void {
    this.losses.push(loss);
  }

  /** Sends the process's log lines (debug included when asked) to `logs`. */
  captureLogs(debug = false): this {
    setupLogging({ debug, json: false, write: (line) => this.logs.push(line) });
    return this;
  }
}
