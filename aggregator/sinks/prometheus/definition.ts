/**
 * The Prometheus remote-write sink's registry entry: on with
 * `AGGREGATOR_PROMETHEUS_CONFIGURATION`, probed under `--check` by any HTTP
 * answer from its endpoint.
 *
 * @module
 */
import type { PrometheusConfig } from "../../../shared/config/mod.ts";
import { formatDuration } from "../../../shared/duration.ts";
import { defineSink } from "../definition.ts";
import { reachable } from "../http/probe.ts";
import { PrometheusSink } from "./sink.ts";

export const PROMETHEUS = defineSink({
  name: "prometheus",
  configured: (config) => config.prometheus,
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
