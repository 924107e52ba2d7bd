/**
 * The Datadog sink's registry entry: on with `AGGREGATOR_DATADOG_CONFIGURATION`,
 * probed under `--check` (and at startup with `"validate_key": true`) by the
 * API key validation.
 *
 * @module
 */
import { formatDuration } from "../../../shared/duration.ts";
import { defineSink } from "../definition.ts";
import { DATADOG_EXAMPLE, DATADOG_VARIABLE, datadogConfig } from "./config.ts";
import { DatadogSink } from "./sink.ts";
import { checkDatadogKey } from "./validate_key.ts";

export const DATADOG = defineSink({
  name: "datadog",
  variable: DATADOG_VARIABLE,
  example: DATADOG_EXAMPLE,
  parse: datadogConfig,
  // The key check goes to the series URL's host as well (validate_key.ts).
  destinations: (datadog) => [datadog.seriesUrl],
  secrets: (datadog) => [datadog.apiKey],
  create: (datadog, options) => new DatadogSink(datadog, options),
  describe: (datadog) =>
    `${datadog.seriesUrl.href} (site ${datadog.site}, API v${datadog.apiVersion}, ` +
    `api key set, timeout ${formatDuration(datadog.timeoutMs)}, ` +
    `${datadog.retryCount} retries, key check at startup ${datadog.validateKey ? "on" : "off"})`,
  probe: checkDatadogKey,
  probeAtStartup: (datadog) => datadog.validateKey,
});
