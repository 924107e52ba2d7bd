/**
 * The optional metrics listener (`AGGREGATOR_METRICS_LISTEN_ADDRESS`), plain
 * HTTP/1.1 on Deno.serve for what cannot speak the main listener's cleartext
 * HTTP/2: Prometheus scrapes `GET /metrics` (text exposition 0.0.4) and
 * Kubernetes `httpGet` probes ask `GET /healthz`, answered by the same rule
 * as on the other listeners. The service closes it last, so scrapes and
 * probes see a shutdown's drain (not serving) until deliveries end.
 *
 * @module
 */
import type { Address } from "../../shared/config/mod.ts";
import { HEALTHZ_PATH, healthzResponse, type Serving } from "./health.ts";
import { type Listener, socketHost } from "./listener.ts";

export const METRICS_PATH = "/metrics";

/** What the listener exposes: the exposition text and its content type. */
export interface MetricsSource {
  readonly contentType: string;
  exposition(): Promise<string>;
}

export interface MetricsListenerOptions {
  /** Port 0 picks a free port; `description` tells which. */
  address: Address;
  metrics: MetricsSource;
  serving: Serving;
}

export async function listenMetrics(options: MetricsListenerOptions): Promise<Listener> {
  const host = socketHost(options.address);
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: host,
    port: options.address.port,
    onListen: (address) => resolve(address as Deno.NetAddr),
  }, (request) => answer(request, options));
  const { port } = await listening;
  return {
    description: `metrics ${host}:${port}`,
    // A scrape or a probe is answered at once; nothing needs cutting.
    close: () => server.shutdown(),
  };
}

async function answer(request: Request, options: MetricsListenerOptions): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (path !== METRICS_PATH && path !== HEALTHZ_PATH) {
    return new Response("not found\n", { status: 404 });
  }
  if (request.method !== "GET") {
    return new Response("method not allowed\n", { status: 405, headers: { allow: "GET" } });
  }
  if (path === HEALTHZ_PATH) return healthzResponse(options.serving);
  return new Response(await options.metrics.exposition(), {
    headers: { "content-type": options.metrics.contentType },
  });
}
