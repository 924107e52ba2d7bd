/**
 * The Datadog sink's configuration: `AGGREGATOR_DATADOG_CONFIGURATION`, the Go
 * original's JSON object (`api_key`, `timeout`, `retry_count`) plus the site,
 * the series URL, whether the host tag becomes the Datadog host, and the
 * startup key check.
 *
 * @module
 */
import { type Env, type JsonVariable, jsonVariable } from "../../../shared/config/mod.ts";
import { RETRY_KEYS, type RetrySettings, retrySettings } from "../http/retry_settings.ts";

export interface DatadogConfig extends RetrySettings {
  apiKey: string;
  /** The Datadog site (`datadoghq.com`, `datadoghq.eu`, …), for messages. */
  site: string;
  seriesUrl: URL;
  /** v1 (`/api/v1/series`) or v2 (`/api/v2/series`) payloads, chosen by the URL. */
  apiVersion: 1 | 2;
  /** Send the `host_name` tag as the Datadog host (compat default). */
  sendHost: boolean;
  /** Check the API key at startup (`GET /api/v1/validate`); warns, never blocks. */
  validateKey: boolean;
}

export const DATADOG_VARIABLE = "AGGREGATOR_DATADOG_CONFIGURATION";
export const DATADOG_EXAMPLE = `'{"api_key":"<key>","timeout":"30s","retry_count":"3"}'`;
const KEYS = ["api_key", "site", "series_url", "send_host", "validate_key", ...RETRY_KEYS];

/** The Datadog sink's configuration, undefined when its variable is unset. */
export function datadogConfig(env: Env): DatadogConfig | undefined {
  const json = jsonVariable(env, DATADOG_VARIABLE, KEYS, DATADOG_EXAMPLE);
  if (!json) return undefined;
  const apiKey = json.required("api_key");
  const site = json.string("site") ?? "datadoghq.com";
  if (!/^[a-z0-9.-]+$/.test(site)) json.fail(`key "site": "${site}" is not a host name`);
  const seriesUrl = json.url(
    "series_url",
    json.string("series_url") ?? `https://api.${site}/api/v2/series`,
  );
  return {
    apiKey,
    site,
    seriesUrl,
    apiVersion: seriesUrl.pathname.replace(/\/+$/, "").endsWith("/api/v1/series") ? 1 : 2,
    sendHost: jsonBoolean(json, "send_host", true),
    validateKey: jsonBoolean(json, "validate_key", false),
    ...retrySettings(json),
  };
}

function jsonBoolean(json: JsonVariable, key: string, fallback: boolean): boolean {
  const value = json.object[key] ?? fallback;
  if (typeof value !== "boolean") json.fail(`key "${key}" must be true or false`);
  return value as boolean;
}
