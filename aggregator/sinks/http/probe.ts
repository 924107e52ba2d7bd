/**
 * The `--check` probe of an HTTP endpoint: any HTTP answer shows the network
 * path works; no point and no credentials are sent, so what the endpoint
 * accepts is not what is tested.
 *
 * @module
 */
import type { ProbeResult } from "../definition.ts";

/** Any HTTP answer counts: the probe checks the network path, not what the endpoint accepts. */
export async function reachable(url: URL, timeoutMs: number): Promise<ProbeResult> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return { ok: true, message: `${url.href} ${answered(response.status)}` };
  } catch (error) {
    return { ok: false, message: `cannot reach ${url.href}: ${(error as Error).message}` };
  }
}

/** What an HTTP status means for a probe that sends no points and no credentials. */
function answered(status: number): string {
  if (status < 400) return `answered HTTP ${status}`;
  if (status < 500) {
    return `is reachable: it answered HTTP ${status}, as a live endpoint answers a probe that ` +
      `carries no points and no credentials`;
  }
  return `is reachable but answered HTTP ${status}, a server error: deliveries will be retried ` +
    `until it recovers`;
}
