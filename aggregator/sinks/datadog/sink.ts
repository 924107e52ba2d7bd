/**
 * The Datadog sink: posts series to the configured URL (v2 gzip JSON, or v1
 * zlib JSON when the URL is a v1 path) with the API key in the `DD-API-KEY`
 * header only. Points outside the window Datadog accepts (older than 1 h,
 * more than 10 min ahead) are expired: counted, logged, reported as a loss,
 * never sent. Requests respect Datadog's payload limits; everything else is
 * the shared HTTP request policy (`../http/sender.ts`).
 *
 * @module
 */
import type { DatadogConfig } from "./config.ts";
import { log } from "../../../shared/log.ts";
import type { Point } from "../../stored_point.ts";
import type { DeliveryOutcome, Sink } from "../sink.ts";
import { HttpSender, type HttpSinkOptions, type RequestLimits } from "../http/sender.ts";

/** Datadog's intake limits: 512,000 B compressed, under 5,242,880 B raw; 10,000 values. */
const DATADOG_LIMITS: RequestLimits = {
  maxBodyBytes: 512_000,
  maxRawBytes: 5_242_879,
  maxValues: 10_000,
};

/** Datadog accepts points at most this old … */
const MAX_AGE_S = 3_600;
/** … and at most this far ahead. */
const MAX_AHEAD_S = 600;

/** What the Datadog sink is built with besides its configuration. */
export interface DatadogSinkOptions extends HttpSinkOptions {
  /** The current time in milliseconds, for expiry; Date.now by default. */
  now?: () => number;
}

/** Delivers points to one Datadog series endpoint. */
export class DatadogSink implements Sink<"datadog"> {
  readonly name = "datadog";
  readonly #sender: HttpSender;
  readonly #options: DatadogSinkOptions;
  readonly #logger = log("aggregator", "sink", "datadog");

  constructor(config: DatadogConfig, options: DatadogSinkOptions) {
    const v1 = config.apiVersion === 1;
    this.#options = options;
    this.#sender = new HttpSender(
      this.name,
      {
        url: config.seriesUrl,
        destination: `${config.seriesUrl.href} (Datadog site ${config.site})`,
        headers: {
          "DD-API-KEY": config.apiKey,
          "Content-Type": "application/json",
          "Content-Encoding": v1 ? "deflate" : "gzip",
        },
        payload: { format: v1 ? "datadog-v1" : "datadog-v2", sendHost: config.sendHost },
        limits: DATADOG_LIMITS,
      },
      config,
      options,
    );
  }

  deliver(points: readonly Point[], signal: AbortSignal): Promise<DeliveryOutcome> {
    const nowS = (this.#options.now ?? Date.now)() / 1000;
    const current = points.filter((point) =>
      point.time >= nowS - MAX_AGE_S && point.time <= nowS + MAX_AHEAD_S
    );
    const expired = points.length - current.length;
    if (expired > 0) this.#expire(points, expired, nowS);
    if (current.length === 0 && expired > 0) return Promise.resolve("dropped");
    return this.#sender.send(current, signal);
  }

  #expire(points: readonly Point[], expired: number, nowS: number): void {
    const times = points.map((point) => point.time);
    const reason = `${expired} points outside Datadog's window (older than ${MAX_AGE_S} s or ` +
      `more than ${MAX_AHEAD_S} s ahead of ${Math.floor(nowS)}); batch times ` +
      `${Math.min(...times)}..${Math.max(...times)}`;
    this.#logger.warn("datadog expired {points} points: {reason}", { points: expired, reason });
    this.#options.counters.count(this.name, "expired", expired);
    this.#options.losses?.lost({ sink: this.name, decision: "expired", points: expired, reason });
  }
}
