/**
 * The optional startup check of the Datadog API key (`"validate_key": true`,
 * and always under `--check`): `GET /api/v1/validate` on the series URL's host
 * with the `DD-API-KEY` header. The answer is a sentence naming the URL and
 * the site, never the key; a rejected or unreachable check warns, it never
 * stops the aggregator.
 *
 * @module
 */
import type { DatadogConfig } from "./config.ts";
import type { ProbeResult } from "../definition.ts";

/** The validate endpoint beside the configured series endpoint (keeping any path prefix). */
export function validateUrl(seriesUrl: URL): URL {
  const url = new URL(seriesUrl);
  url.pathname = url.pathname.replace(/\/api\/v[12]\/series\/*$/, "") + "/api/v1/validate";
  return url;
}

export async function checkDatadogKey(
  config: DatadogConfig,
  timeoutMs = 10_000,
): Promise<ProbeResult> {
  const url = validateUrl(config.seriesUrl);
  const where = `${url.href} (Datadog site ${config.site})`;
  try {
    const response = await fetch(url, {
      headers: { "DD-API-KEY": config.apiKey },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await response.text();
    if (response.ok) return { ok: true, message: `the API key is valid for ${where}` };
    if (response.status === 403 || response.status === 401) {
      return {
        ok: false,
        message: `the API key was rejected by ${where} with HTTP ${response.status}: every ` +
          `point sent with it will be refused; fix "api_key" (or "site") in ` +
          `AGGREGATOR_DATADOG_CONFIGURATION`,
      };
    }
    return {
      ok: false,
      message: `cannot tell whether the API key is valid: ${where} answered HTTP ` +
        `${response.status}: ${body.slice(0, 200)}`,
    };
  } catch (error) {
    return {
      ok: false,
      message: `cannot reach ${where} to check the API key: ${(error as Error).message}`,
    };
  }
}
