/**
 * The Datadog sink's registry entry: on with `AGGREGATOR_DATADOG_CONFIGURATION`,
 * probed under `--check` by the API key validation.
 *
 * @module
 */
import { formatDuration } from "../../../shared/duration.ts";
import { defineSink } from "../definition.ts";
import { DatadogSink } from "./sink.ts";
import { checkDatadogKey } from "./validate_key.ts";

export const DATADOG = defineSink({
  name: "datadog",
  configured: (config) => config.datadog,
  create: (datadog, options) => new DatadogSink(datadog, options),
  describe: (datadog) =>
    `${datadog.seriesUrl.href} (site ${datadog.site}, API v${datadog.apiVersion}, ` +
    `api key set, timeout ${formatDuration(datadog.timeoutMs)}, ` +
    `${datadog.retryCount} retries, key check at startup ${datadog.validateKey ? "on" : "off"})`,
  probe: checkDatadogKey,
});
