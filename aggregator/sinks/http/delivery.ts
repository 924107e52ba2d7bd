/**
 * The delivery policy of the HTTP sinks (Datadog, InfluxDB), written once:
 * requests too large for the destination's limits are split before sending;
 * each attempt has a timeout; network errors, timeouts, 408, 429 and 5xx are
 * retried with capped exponential backoff and full jitter (or the server's
 * `Retry-After`), `retryCount` times, after which the batch is deferred to
 * the next round; 413 splits the request in halves; any other answer drops
 * the points, logged with the response body and reported as a loss. Every
 * decision is counted per point: `sent`, `retried`, `split`, `rejected` (the
 * destination refused them; the delivery loop counts the batch's outcome,
 * `delivered`/`dropped`/`deferred`, itself). Aborting the signal (shutdown)
 * cancels the request in flight and defers the batch.
 */
import type { Point } from "../../stored_point.ts";
import type { DeliveryCounters, DeliveryOutcome } from "../sink.ts";
import type { LossReporter } from "../../notify/mod.ts";
import { backoffDelay } from "../../../shared/backoff.ts";
import { delay } from "../../../shared/delay.ts";
import { log } from "../../../shared/log.ts";
import type { Payload } from "./payload.ts";
import { retryAfterMs } from "./retry_after.ts";

/** The most one request may carry; larger batches are split before sending. */
export interface RequestLimits {
  maxBodyBytes: number;
  maxRawBytes: number;
  maxValues: number;
}

/** Where and how a sink's points are posted. Headers carry credentials: never log them. */
export interface HttpEndpoint {
  url: URL;
  headers: Record<string, string>;
  encode(points: readonly Point[]): Payload;
  limits?: RequestLimits;
}

/** How long to wait between tries. */
export interface Backoff {
  /** First backoff ceiling; doubles per retry up to `backoffCapMs`. */
  backoffBaseMs: number;
  backoffCapMs: number;
  /** The longest `Retry-After` honoured. */
  retryAfterCapMs: number;
  /** A number in [0, 1) for jitter; Math.random by default. */
  random?: () => number;
}

export const DEFAULT_BACKOFF: Backoff = {
  backoffBaseMs: 1_000,
  backoffCapMs: 30_000,
  retryAfterCapMs: 120_000,
};

/** A sink's configured timeout and retries (`timeout`, `retry_count`). */
export interface RetrySettings {
  timeoutMs: number;
  retryCount: number;
}

/** What every HTTP sink is built with besides its configuration. */
export interface HttpSinkOptions {
  counters: DeliveryCounters;
  /** Told when points are finally lost (PagerDuty when configured). */
  losses?: LossReporter;
  backoff?: Backoff;
}

/** The longest response body quoted in a log line. */
const LOGGED_BODY_CHARS = 1_000;

type Answer =
  | { kind: "sent" }
  | { kind: "retry"; reason: string; waitMs?: number }
  | { kind: "too-large"; reason: string }
  | { kind: "rejected"; reason: string }
  | { kind: "deferred" };

/** Points delivered and deferred in one delivery; the rest were dropped. */
interface Tally {
  delivered: number;
  deferred: number;
}

export class HttpDelivery {
  readonly #logger;

  readonly #policy: RetrySettings & Backoff;
  readonly #counters: DeliveryCounters;
  readonly #losses?: LossReporter;

  constructor(
    readonly sink: string,
    readonly endpoint: HttpEndpoint,
    settings: RetrySettings,
    options: HttpSinkOptions,
  ) {
    this.#logger = log("aggregator", "sink", sink);
    this.#policy = { ...(options.backoff ?? DEFAULT_BACKOFF), ...settings };
    this.#counters = options.counters;
    this.#losses = options.losses;
  }

  async deliver(points: readonly Point[], signal: AbortSignal): Promise<DeliveryOutcome> {
    if (points.length === 0) return "delivered";
    const tally = await this.#send(points, signal);
    if (tally.deferred > 0) return "deferred";
    return tally.delivered > 0 ? "delivered" : "dropped";
  }

  async #send(points: readonly Point[], signal: AbortSignal): Promise<Tally> {
    if (signal.aborted) return { delivered: 0, deferred: points.length };
    const payload = this.endpoint.encode(points);
    const parts = partsNeeded(payload, this.endpoint.limits);
    if (parts > 1) {
      return this.#split(points, parts, signal, "exceeds the request limits");
    }
    const answer = await this.#post(payload, points.length, signal);
    switch (answer.kind) {
      case "sent":
        this.#counters.count(this.sink, "sent", points.length);
        return { delivered: points.length, deferred: 0 };
      case "too-large":
        return this.#split(points, 2, signal, answer.reason);
      case "rejected":
        return this.#drop(points, answer.reason);
      default:
        return { delivered: 0, deferred: points.length };
    }
  }

  /** Sends the points in `parts` requests, in order; once one is deferred the rest wait too. */
  async #split(
    points: readonly Point[],
    parts: number,
    signal: AbortSignal,
    reason: string,
  ): Promise<Tally> {
    if (points.length === 1) return this.#drop(points, `a single point ${reason}`);
    this.#counters.count(this.sink, "split", points.length);
    this.#logger.debug("splitting {points} points in {parts}: {reason}", {
      points: points.length,
      parts,
      reason,
    });
    const tally: Tally = { delivered: 0, deferred: 0 };
    for (const part of divide(points, parts)) {
      const result = tally.deferred > 0
        ? { delivered: 0, deferred: part.length }
        : await this.#send(part, signal);
      tally.delivered += result.delivered;
      tally.deferred += result.deferred;
    }
    return tally;
  }

  #drop(points: readonly Point[], reason: string): Tally {
    this.#logger.error("{sink} dropped {points} points: {reason}", {
      sink: this.sink,
      points: points.length,
      reason,
    });
    this.#counters.count(this.sink, "rejected", points.length);
    this.#losses?.lost({ sink: this.sink, decision: "dropped", points: points.length, reason });
    return { delivered: 0, deferred: 0 };
  }

  /** One request, retried as the policy allows; never "retry" on return. */
  async #post(payload: Payload, points: number, signal: AbortSignal): Promise<Answer> {
    for (let retry = 1;; retry++) {
      const answer = await this.#attempt(payload, signal);
      if (answer.kind !== "retry") return answer;
      if (retry > this.#policy.retryCount) {
        this.#logger.warn(
          "{sink}: {points} points deferred to the next round after {tries} tries: {reason}",
          {
            sink: this.sink,
            points,
            tries: retry,
            reason: answer.reason,
          },
        );
        return { kind: "deferred" };
      }
      const waitMs = answer.waitMs ?? this.#backoff(retry);
      this.#counters.count(this.sink, "retried", points);
      this.#logger.warn("{sink}: retry {retry} of {points} points in {waitMs} ms: {reason}", {
        sink: this.sink,
        retry,
        points,
        waitMs,
        reason: answer.reason,
      });
      if (!await delay(waitMs, { signal })) return { kind: "deferred" };
    }
  }

  #backoff(retry: number): number {
    const { backoffBaseMs: baseMs, backoffCapMs: capMs, random } = this.#policy;
    return backoffDelay(retry, { baseMs, capMs, random });
  }

  async #attempt(payload: Payload, signal: AbortSignal): Promise<Answer> {
    if (signal.aborted) return { kind: "deferred" };
    const controller = new AbortController();
    const abort = () => controller.abort();
    signal.addEventListener("abort", abort, { once: true });
    const timer = setTimeout(abort, this.#policy.timeoutMs);
    try {
      const response = await fetch(this.endpoint.url, {
        method: "POST",
        headers: this.endpoint.headers,
        body: payload.body,
        signal: controller.signal,
      });
      const body = await response.text();
      return classify(response, body, this.#policy.retryAfterCapMs);
    } catch (error) {
      if (signal.aborted) return { kind: "deferred" };
      return {
        kind: "retry",
        reason: controller.signal.aborted
          ? `no answer within ${this.#policy.timeoutMs} ms`
          : `network error: ${error instanceof Error ? error.message : String(error)}`,
      };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", abort);
    }
  }
}

function classify(response: Response, body: string, retryAfterCapMs: number): Answer {
  const status = response.status;
  if (status >= 200 && status < 300) return { kind: "sent" };
  const reason = `HTTP ${status}: ${body.slice(0, LOGGED_BODY_CHARS)}`;
  if (status === 408 || status === 429 || status >= 500) {
    const waitMs = retryAfterMs(response.headers.get("retry-after"), retryAfterCapMs);
    return { kind: "retry", reason, waitMs };
  }
  if (status === 413) return { kind: "too-large", reason };
  return { kind: "rejected", reason };
}

/** How many requests the payload needs to respect the limits: 1 when it fits. */
function partsNeeded(payload: Payload, limits?: RequestLimits): number {
  if (!limits) return 1;
  const ratio = Math.max(
    payload.body.byteLength / limits.maxBodyBytes,
    payload.rawBytes / limits.maxRawBytes,
    payload.values / limits.maxValues,
  );
  return ratio <= 1 ? 1 : Math.max(2, Math.ceil(ratio));
}

/** The points in `parts` consecutive runs of nearly equal length. */
function divide(points: readonly Point[], parts: number): Point[][] {
  const count = Math.min(parts, points.length);
  return Array.from(
    { length: count },
    (_, index) =>
      points.slice(
        Math.floor((index * points.length) / count),
        Math.floor(((index + 1) * points.length) / count),
      ),
  );
}
