/**
 * The InfluxDB sink: posts gzipped line protocol to `/write?db=` with basic
 * auth (InfluxDB 1.x), or to `/api/v2/write?org=&bucket=` with
 * `Authorization: Token` when a token is configured (InfluxDB 2.x), always
 * with second precision. Delivery follows the shared HTTP policy; a 400
 * (InfluxDB could not parse or store a line) halves the request until the
 * bad points are alone, so only they are dropped. InfluxDB 1.x stores the
 * good lines of a request it answers 400 ("partial write"); sending them
 * again in a half overwrites each with the same values (a point is keyed by
 * measurement, tags and time), so nothing is stored twice.
 *
 * @module
 */
import type { InfluxdbConfig } from "./config.ts";
import type { Point } from "../../stored_point.ts";
import type { DeliveryOutcome, Sink } from "../sink.ts";
import { basicCredentials } from "../http/basic_auth.ts";
import { HttpSender, type HttpSinkOptions } from "../http/sender.ts";

/** Delivers points to one InfluxDB database or bucket. */
export class InfluxdbSink implements Sink<"influxdb"> {
  readonly name = "influxdb";
  readonly #sender: HttpSender;

  constructor(config: InfluxdbConfig, options: HttpSinkOptions) {
    this.#sender = new HttpSender(
      this.name,
      {
        url: writeUrl(config),
        headers: {
          "Content-Type": "text/plain; charset=utf-8",
          "Content-Encoding": "gzip",
          ...authorization(config),
        },
        payload: { format: "influxdb" },
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

/** The write endpoint under the configured address (which may carry a path prefix). */
function writeUrl(config: InfluxdbConfig): URL {
  const base = config.address.pathname.replace(/\/+$/, "");
  const url = new URL(config.address);
  const query: Record<string, string> = {};
  if (config.token) {
    url.pathname = `${base}/api/v2/write`;
    if (config.org) query.org = config.org;
    query.bucket = config.bucket!;
  } else {
    url.pathname = `${base}/write`;
    query.db = config.database!;
  }
  query.precision = "s";
  url.search = new URLSearchParams(query).toString();
  return url;
}

function authorization(config: InfluxdbConfig): Record<string, string> {
  if (config.token) return { Authorization: `Token ${config.token}` };
  if (config.username === undefined) return {};
  return { Authorization: `Basic ${basicCredentials(config.username, config.password ?? "")}` };
}
