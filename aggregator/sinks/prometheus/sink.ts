/**
 * The Prometheus sink: posts remote-write 1.0 requests (snappy protobuf, see
 * `./encode.ts`) to the configured URL, with basic auth or a bearer token in
 * the `Authorization` header only. Delivery follows the shared HTTP policy
 * (`../http/sender.ts`). A 400 halves the request until the bad points are
 * alone, so only they are dropped: Prometheus refuses a whole request for one
 * sample it cannot store (out of order, too old, a duplicate timestamp with
 * another value) and stores none of it. No request limits are set: a full
 * batch is a few hundred kilobytes, and a receiver with a lower limit answers
 * 413, which halves the request too.
 *
 * @module
 */
import type { PrometheusConfig } from "./config.ts";
import type { Point } from "../../stored_point.ts";
import type { DeliveryOutcome, Sink } from "../sink.ts";
import { basicCredentials } from "../http/basic_auth.ts";
import { HttpSender, type HttpSinkOptions } from "../http/sender.ts";

/** The remote-write protocol version this sink speaks. */
export const REMOTE_WRITE_VERSION = "0.1.0";

/** Delivers points to one remote-write endpoint. */
export class PrometheusSink implements Sink<"prometheus"> {
  readonly name = "prometheus";
  readonly #sender: HttpSender;

  constructor(config: PrometheusConfig, options: HttpSinkOptions) {
    this.#sender = new HttpSender(
      this.name,
      {
        url: config.url,
        headers: {
          "Content-Type": "application/x-protobuf",
          "Content-Encoding": "snappy",
          "X-Prometheus-Remote-Write-Version": REMOTE_WRITE_VERSION,
          ...authorization(config),
        },
        payload: { format: "prometheus", labels: config.labels },
        malformedPointStatuses: [400],
      },
      config,
      options,
    );
  }

  deliver(points: readonly Point[], signal: AbortSignal): Promise<DeliveryOutcome> {
    return this.#sender.send(points, signal);
  }
}

function authorization(config: PrometheusConfig): Record<string, string> {
  if (config.bearerToken) return { Authorization: `Bearer ${config.bearerToken}` };
  if (!config.basicAuth) return {};
  const { username, password } = config.basicAuth;
  return { Authorization: `Basic ${basicCredentials(username, password)}` };
}
