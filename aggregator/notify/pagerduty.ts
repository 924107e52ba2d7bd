/**
 * Loss alerts through the PagerDuty Events API v2: a `trigger` event whose
 * routing key is the integration key and whose dedup key is the incident
 * key, summarising the points lost per sink. At most one alert per interval
 * (a minute): losses reported in between are added up and sent in one alert
 * when the interval ends. A failing PagerDuty is logged, never thrown. The
 * waits (the interval, the answer's deadline) go through shared/async, so one
 * fake clock drives them in tests; `close()` at shutdown ends the interval's.
 *
 * @module
 */
import type { NotifyConfig } from "./config.ts";
import { log } from "../../shared/log.ts";
import type { Loss, LossReporter } from "./loss.ts";
import { deadline, delay } from "../../shared/async/mod.ts";

export interface AlertOptions {
  intervalMs?: number;
  timeoutMs?: number;
}

/** The most individual losses an alert lists in its details. */
const DETAILED_LOSSES = 20;

/** PagerDuty truncates longer summaries. */
const SUMMARY_CHARS = 1024;

const logger = log("aggregator", "notify");

export class PagerDutyAlerts implements LossReporter {
  readonly #config: NotifyConfig;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  #pending: Loss[] = [];
  #lastSentMs = -Infinity;
  /** Present while losses wait for the interval to end; aborting it ends the wait. */
  #holding?: AbortController;
  #sending: Promise<void> = Promise.resolve();

  constructor(config: NotifyConfig, options: AlertOptions = {}) {
    this.#config = config;
    this.#intervalMs = options.intervalMs ?? 60_000;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  lost(loss: Loss): void {
    this.#pending.push(loss);
    if (this.#holding) return;
    const waitMs = this.#lastSentMs + this.#intervalMs - Date.now();
    if (waitMs <= 0) {
      this.#flush();
      return;
    }
    const holding = this.#holding = new AbortController();
    delay(waitMs, { signal: holding.signal }).then(() => {
      if (this.#holding === holding) this.#flush();
    });
  }

  /**
   * At shutdown: sends at once the losses still held back by the once-a-minute
   * limit, so none goes unannounced, and waits for alerts in flight.
   */
  async close(): Promise<void> {
    if (this.#holding) {
      this.#holding.abort();
      this.#flush();
    }
    await this.#sending;
  }

  #flush(): void {
    this.#holding = undefined;
    const losses = this.#pending;
    this.#pending = [];
    this.#lastSentMs = Date.now();
    this.#sending = this.#sending.then(() => this.#send(losses));
  }

  async #send(losses: Loss[]): Promise<void> {
    const controller = new AbortController();
    try {
      await deadline(this.#post(losses, controller.signal), this.#timeoutMs, () => {
        controller.abort();
        throw new Error(`no answer within ${this.#timeoutMs} ms`);
      });
    } catch (error) {
      logger.error("cannot send the loss alert to PagerDuty: {error}", { error: String(error) });
    }
  }

  async #post(losses: Loss[], signal: AbortSignal): Promise<void> {
    const response = await fetch(this.#config.url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(lossEvent(this.#config, losses)),
      signal,
    });
    const body = await response.text();
    if (!response.ok) {
      logger.error("PagerDuty refused the loss alert with HTTP {status}: {body}", {
        status: response.status,
        body: body.slice(0, 1000),
      });
    }
  }
}

/** The Events API v2 `trigger` event for these losses. */
function lossEvent(config: NotifyConfig, losses: readonly Loss[]) {
  const totals = new Map<string, number>();
  for (const loss of losses) {
    const key = `${loss.sink} ${loss.decision}`;
    totals.set(key, (totals.get(key) ?? 0) + loss.points);
  }
  const total = losses.reduce((sum, loss) => sum + loss.points, 0);
  return {
    routing_key: config.integrationKey,
    event_action: "trigger",
    dedup_key: config.incidentKey,
    payload: {
      summary: lossSummary(config.identifier, total, losses).slice(0, SUMMARY_CHARS),
      source: config.identifier,
      severity: "error",
      component: "aggregator",
      class: "metrics-loss",
      custom_details: {
        lost_points: total,
        by_sink: Object.fromEntries(totals),
        losses: losses.slice(0, DETAILED_LOSSES),
      },
    },
  };
}

const DECISION_WORDS: Record<Loss["decision"], string> = {
  dropped: "refused by",
  expired: "too old for",
};

/** E.g. `mini-collector lost 1500 metric points on aggregator-7: 1000 refused by influxdb, 500 too old for datadog`. */
function lossSummary(identifier: string, total: number, losses: readonly Loss[]): string {
  const bySinkAndDecision = new Map<string, number>();
  for (const loss of losses) {
    const key = `${DECISION_WORDS[loss.decision]} ${loss.sink}`;
    bySinkAndDecision.set(key, (bySinkAndDecision.get(key) ?? 0) + loss.points);
  }
  const parts = [...bySinkAndDecision].map(([what, points]) => `${points} ${what}`).join(", ");
  return `mini-collector lost ${pointCount(total)} on ${identifier}: ${parts}`;
}

function pointCount(points: number): string {
  return `${points} metric ${points === 1 ? "point" : "points"}`;
}
