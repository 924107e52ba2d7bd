/**
 * The HTTP sinks' (Datadog, InfluxDB, Prometheus) request and retry policy, written once:
 * requests too large for the destination's limits are split before sending
 * (before encoding when the most values a point can carry says so, else once
 * the body is built), and each part's body is built while the part before it
 * is sent;
 * each attempt has a timeout; network errors, timeouts, 408, 429 and 5xx are
 * retried with capped exponential backoff and full jitter
 * (`BACKOFF.sinkRequest`) or after the server's `Retry-After` (at most
 * {@link RETRY_AFTER_CAP_MS}), `retryCount` times, after which the batch is
 * deferred to the next round. 413 halves the request; so does a status the
 * endpoint declares as "a point in the request is malformed" (InfluxDB's
 * 400): halving again until the bad points are alone means only they are
 * dropped. Any other answer drops the points, logged with the response body
 * and the points it names, and reported as a loss. Every decision is counted
 * per point: `sent`, `retried`, `split`, `rejected` (the destination refused
 * them; the delivery loop counts the batch's outcome,
 * `delivered`/`dropped`/`deferred`, itself). Aborting the signal (shutdown)
 * cancels the request in flight and defers the batch.
 *
 * @module
 */
import type { Point } from "../../stored_point.ts";
import type { DeliveryCounters } from "../../counters.ts";
import type { DeliveryOutcome } from "../sink.ts";
import type { LossReporter } from "../../notify/mod.ts";
import { BACKOFF, backoffDelay, type BackoffPolicy } from "../../../shared/backoff.ts";
import { deadline, delay } from "../../../shared/async/mod.ts";
import { log } from "../../../shared/log.ts";
import type { Payload } from "./payload.ts";
import {
  IN_THREAD,
  maxValuesPerPoint,
  type PayloadEncoder,
  type PayloadSpec,
} from "../encoding/formats.ts";
import { RETRY_AFTER_CAP_MS, retryAfterMs } from "./retry_after.ts";
import type { RetrySettings } from "./retry_settings.ts";

/** The most one request may carry; larger batches are split before sending. */
export interface RequestLimits {
  maxBodyBytes: number;
  maxRawBytes: number;
  maxValues: number;
}

/** Where and how a sink's points are posted. Headers carry credentials: never log them. */
export interface HttpEndpoint {
  /** Never carries credentials (the configuration refuses them in URLs). */
  url: URL;
  /** How log lines name the destination, e.g. with the Datadog site; the URL by default. */
  destination?: string;
  headers: Record<string, string>;
  /** The request body, built by the sink's PayloadEncoder. */
  payload: PayloadSpec;
  limits?: RequestLimits;
  /**
   * Statuses by which the destination says a point in the request is
   * malformed: the request is halved until the bad points are alone, and only
   * they are dropped.
   */
  malformedPointStatuses?: readonly number[];
}

/** What every HTTP sink is built with besides its configuration. */
export interface HttpSinkOptions {
  counters: DeliveryCounters;
  /** Told when points are finally lost (PagerDuty when configured). */
  losses?: LossReporter;
  /** The wait between tries; `BACKOFF.sinkRequest` by default. */
  backoff?: BackoffPolicy;
  /** The longest `Retry-After` honoured; {@link RETRY_AFTER_CAP_MS} by default. */
  retryAfterCapMs?: number;
  /** Where request bodies are built; in the calling thread by default. */
  encoder?: PayloadEncoder;
}

/** The longest response body quoted in a log line. */
const LOGGED_BODY_CHARS = 1_000;
/** The most points named in a log line about dropped points. */
const NAMED_POINTS = 5;

type Answer =
  | { kind: "sent" }
  | { kind: "retry"; reason: string; waitMs?: number }
  | { kind: "halve"; reason: string }
  | { kind: "rejected"; reason: string }
  | { kind: "deferred" };

/** Points delivered and deferred in one delivery; the rest were dropped. */
interface Tally {
  delivered: number;
  deferred: number;
}

/** Posts a sink's points to its endpoint under the policy above. */
export class HttpSender {
  readonly #logger;

  readonly #settings: RetrySettings;
  readonly #backoff: BackoffPolicy;
  readonly #retryAfterCapMs: number;
  readonly #counters: DeliveryCounters;
  readonly #losses?: LossReporter;
  readonly #encoder: PayloadEncoder;

  constructor(
    readonly sink: string,
    readonly endpoint: HttpEndpoint,
    settings: RetrySettings,
    options: HttpSinkOptions,
  ) {
    this.#logger = log("aggregator", "sink", sink);
    this.#settings = settings;
    this.#backoff = options.backoff ?? BACKOFF.sinkRequest;
    this.#retryAfterCapMs = options.retryAfterCapMs ?? RETRY_AFTER_CAP_MS;
    this.#counters = options.counters;
    this.#losses = options.losses;
    this.#encoder = options.encoder ?? IN_THREAD;
  }

  async send(points: readonly Point[], signal: AbortSignal): Promise<DeliveryOutcome> {
    if (points.length === 0) return "delivered";
    const tally = await this.#sendOrSplit(points, signal);
    if (tally.deferred > 0) return "deferred";
    return tally.delivered > 0 ? "delivered" : "dropped";
  }

  /**
   * Sends `points` in one request, or splits them first. `encoding`, when
   * given, is their body already on its way.
   */
  async #sendOrSplit(
    points: readonly Point[],
    signal: AbortSignal,
    encoding?: Promise<Payload>,
  ): Promise<Tally> {
    if (signal.aborted) return { delivered: 0, deferred: points.length };
    const bound = partsBound(points.length, this.endpoint.payload, this.endpoint.limits);
    if (!encoding && bound > 1) {
      return this.#split(points, bound, signal, "exceeds the request limits");
    }
    const payload = await (encoding ?? this.#encoder.encode(this.endpoint.payload, points));
    const parts = partsNeeded(payload, this.endpoint.limits);
    if (parts > 1) {
      return this.#split(points, parts, signal, "exceeds the request limits");
    }
    const answer = await this.#post(payload, points.length, signal);
    switch (answer.kind) {
      case "sent":
        this.#counters.count(this.sink, "sent", points.length);
        return { delivered: points.length, deferred: 0 };
      case "halve":
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
    const divided = divide(points, parts);
    // Each part's body is built (in the encoder) while the part before it is sent.
    let next = this.#encodingOf(divided[0]);
    for (const [index, part] of divided.entries()) {
      const encoding = next;
      next = tally.deferred === 0 && index + 1 < divided.length
        ? this.#encodingOf(divided[index + 1])
        : undefined;
      const result = tally.deferred > 0
        ? { delivered: 0, deferred: part.length }
        : await this.#sendOrSplit(part, signal, encoding);
      tally.delivered += result.delivered;
      tally.deferred += result.deferred;
    }
    return tally;
  }

  /**
   * The body of `points` on its way, when they fit one request as far as can
   * be told before encoding; its failure is seen where it is awaited.
   */
  #encodingOf(points: readonly Point[]): Promise<Payload> | undefined {
    if (partsBound(points.length, this.endpoint.payload, this.endpoint.limits) > 1) return;
    const encoding = this.#encoder.encode(this.endpoint.payload, points);
    encoding.catch(() => {});
    return encoding;
  }

  #drop(points: readonly Point[], reason: string): Tally {
    this.#logger.error("{sink} dropped {points} points ({names}) sent to {destination}: {reason}", {
      sink: this.sink,
      points: points.length,
      names: pointNames(points),
      destination: this.endpoint.destination ?? this.endpoint.url.href,
      reason,
    });
    this.#counters.count(this.sink, "rejected", points.length);
    this.#counters.problem?.(this.sink, `${points.length} points dropped: ${reason}`);
    this.#losses?.lost({ sink: this.sink, decision: "dropped", points: points.length, reason });
    return { delivered: 0, deferred: 0 };
  }

  /** One request, retried as the policy allows; never "retry" on return. */
  async #post(payload: Payload, points: number, signal: AbortSignal): Promise<Answer> {
    for (let retry = 1;; retry++) {
      const answer = await this.#attempt(payload, signal);
      if (answer.kind !== "retry") return answer;
      this.#counters.problem?.(this.sink, answer.reason);
      if (retry > this.#settings.retryCount) {
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
      const waitMs = answer.waitMs ?? backoffDelay(retry, this.#backoff);
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

  /** One try, within the configured timeout; the request in flight is cancelled when it runs out. */
  async #attempt(payload: Payload, signal: AbortSignal): Promise<Answer> {
    if (signal.aborted) return { kind: "deferred" };
    const timeoutMs = this.#settings.timeoutMs;
    const cancel = new AbortController();
    try {
      return await deadline(
        this.#request(payload, signal, AbortSignal.any([signal, cancel.signal])),
        timeoutMs,
        (): Answer => ({ kind: "retry", reason: `no answer within ${timeoutMs} ms` }),
      );
    } finally {
      cancel.abort();
    }
  }

  /** The request and its answer; aborting `cancel` ends it, and `signal` says whether to defer. */
  async #request(payload: Payload, signal: AbortSignal, cancel: AbortSignal): Promise<Answer> {
    try {
      const response = await fetch(this.endpoint.url, {
        method: "POST",
        headers: this.endpoint.headers,
        body: payload.body,
        signal: cancel,
      });
      const body = await response.text();
      return this.#classify(response, body);
    } catch (error) {
      if (signal.aborted) return { kind: "deferred" };
      return {
        kind: "retry",
        reason: `network error: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }

  #classify(response: Response, body: string): Answer {
    const status = response.status;
    if (status >= 200 && status < 300) return { kind: "sent" };
    const reason = `HTTP ${status}: ${body.slice(0, LOGGED_BODY_CHARS)}`;
    if (status === 408 || status === 429 || status >= 500) {
      const waitMs = retryAfterMs(response.headers.get("retry-after"), this.#retryAfterCapMs);
      return { kind: "retry", reason, waitMs };
    }
    if (status === 413 || this.endpoint.malformedPointStatuses?.includes(status)) {
      return { kind: "halve", reason };
    }
    return { kind: "rejected", reason };
  }
}

/** The points for a log line: service, container and time of the first few. */
function pointNames(points: readonly Point[]): string {
  const named = points.slice(0, NAMED_POINTS).map((point) =>
    `service ${point.tags.service} container ${point.tags.container} at ${point.time}`
  );
  const more = points.length - named.length;
  return named.join("; ") + (more > 0 ? `; and ${more} more` : "");
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

/**
 * Requests `count` points need at least, known before encoding from the most
 * values a point can carry: splitting first spares encoding a body only to
 * find it too large. One point is never split here (its body decides).
 */
function partsBound(count: number, payload: PayloadSpec, limits?: RequestLimits): number {
  if (!limits || count < 2) return 1;
  return Math.min(count, Math.ceil(count * maxValuesPerPoint(payload) / limits.maxValues));
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
