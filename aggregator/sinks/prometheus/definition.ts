/**
 * The Prometheus remote-write sink's registry entry: on with
 * `AGGREGATOR_PROMETHEUS_CONFIGURATION`, probed under `--check` by any HTTP
 * answer from its endpoint.
 *
 * @module
 */
import { formatDuration } from "../../../shared/duration.ts";
import { defineSink } from "../definition.ts";
import { basicCredentials } from "../http/basic_auth.ts";
import { reachable } from "../http/probe.ts";
import {
  PROMETHEUS_EXAMPLE,
  PROMETHEUS_VARIABLE,
  type PrometheusConfig,
  prometheusConfig,
} from "./config.ts";
import { PrometheusSink } from "./sink.ts";

export const PROMETHEUS = defineSink({
  name: "prometheus",
  variable: PROMETHEUS_VARIABLE,
  example: PROMETHEUS_EXAMPLE,
  parse: prometheusConfig,
  destinations: (prometheus) => [prometheus.url],
  secrets: ({ basicAuth, bearerToken }) => [
    basicAuth && basicCredentials(basicAuth.username, basicAuth.password),
    basicAuth?.password,
    bearerToken,
  ],
  create: (prometheus, options) => new PrometheusSink(prometheus, options),
  describe: (prometheus) => {
    const labels = Object.keys(prometheus.labels);
    return `${prometheus.url.href} (${auth(prometheus)}, ${
      labels.length ? `labels ${labels.join(",")}` : "no extra labels"
    }, timeout ${formatDuration(prometheus.timeoutMs)}, ${prometheus.retryCount} retries)`;
  },
  probe: (prometheus, timeoutMs) => reachable(prometheus.url, timeoutMs),
});

function auth(prometheus: PrometheusConfig): string {
  if (prometheus.bearerToken) return "bearer token set";
  return prometheus.basicAuth ? "basic auth set" : "no credentials";
}
