/**
 * The optional metrics listener (`AGGREGATOR_METRICS_LISTEN_ADDRESS`), plain
 * HTTP/1.1 for what cannot speak the main listener's HTTP/2: Prometheus
 * scrapes `GET /metrics` (text exposition 0.0.4) and Kubernetes `httpGet`
 * probes ask `GET /healthz`, answered by the same rule as on the other
 * listeners; with a status page (aggregator/status/), `GET /` and
 * `GET /api/status` are its. It is its own small server on `Deno.listen` rather than
 * `Deno.serve`, whose accept loop ends the process on EMFILE and which has no
 * connection cap or header timeout (docs/ARCHITECTURE.md, "Limits"): at most
 * `MAX_CONNECTIONS` at once (when full, a new connection replaces the oldest
 * one still without its whole request, or is closed when every one has sent
 * its request), one request per connection, read and answered within the
 * deadlines of http1_exchange.ts. The service closes it last, so scrapes and probes see a
 * shutdown's drain (not serving) until deliveries end.
 *
 * @module
 */
import type { Address } from "../../shared/config/mod.ts";
import { log } from "../../shared/log.ts";
import { acceptEach } from "./accept_loop.ts";
import { HEALTHZ_PATH, healthzResponse, type Serving } from "./health.ts";
import { exchange, type ExchangeTimeouts, type RequestLine } from "./http1_exchange.ts";
import { type Listener, socketHost } from "./listener.ts";

export const METRICS_PATH = "/metrics";

/** Connections served at once; a scraper and a few probes need a handful. */
export const MAX_CONNECTIONS = 64;
/** A silent connection, a trickled request head, a client that does not read its answer. */
export const TIMEOUTS: ExchangeTimeouts = { idleMs: 2_000, headerMs: 5_000, writeMs: 5_000 };

const logger = log("aggregator", "metrics");

/** What the listener exposes: the exposition text and its content type. */
export interface MetricsSource {
  readonly contentType: string;
  exposition(): Promise<string>;
}

/** Other read-only pages: the answer to a `GET` of a path, or undefined when it is not theirs. */
export interface PageSource {
  answer(path: string): Promise<Response | undefined>;
}

export interface MetricsListenerOptions {
  /** Port 0 picks a free port; `description` tells which. */
  address: Address;
  metrics: MetricsSource;
  serving: Serving;
  pages?: PageSource;
}

export function listenMetrics(options: MetricsListenerOptions): Promise<Listener> {
  const host = socketHost(options.address);
  const server = Deno.listen({ hostname: host, port: options.address.port });
  const description = `metrics ${host}:${server.addr.port}`;
  /** Each open connection and its exchange, settled once the connection is closed. */
  const open = new Map<Deno.Conn, Promise<void>>();
  /** Connections still sending their request head, oldest first. */
  const waiting = new Set<Deno.Conn>();
  const stopped = new AbortController();
  const accepting = acceptEach(server, description, stopped.signal, (conn) => {
    if (open.size >= MAX_CONNECTIONS) {
      // Full: the oldest connection still without its request makes room, so a
      // scrape (whose request comes at once, and is read before as many new
      // connections have come as the cap) is not shut out by a flood of slow
      // clients, however fast they arrive.
      const oldest = waiting.keys().next();
      if (oldest.done) return conn.close();
      waiting.delete(oldest.value);
      closeQuietly(oldest.value);
    }
    waiting.add(conn);
    open.set(
      conn,
      exchange(conn, TIMEOUTS, (line) => {
        waiting.delete(conn);
        return answer(line, options);
      })
        .catch((error) =>
          logger.debug("a metrics connection ended: {error}", { error: String(error) })
        )
        .finally(() => {
          open.delete(conn);
          waiting.delete(conn);
          closeQuietly(conn);
        }),
    );
  });
  return Promise.resolve({
    description,
    async close() {
      stopped.abort();
      server.close();
      await accepting;
      // Those still without a request are let go; answers being written finish
      // (within the write deadline).
      for (const conn of waiting.keys()) closeQuietly(conn);
      await Promise.all(open.values());
    },
  });
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Closed already, by a deadline.
  }
}

async function answer(line: RequestLine, options: MetricsListenerOptions): Promise<Response> {
  const path = line.target.split("?", 1)[0];
  const page = await options.pages?.answer(path);
  if (page === undefined && path !== METRICS_PATH && path !== HEALTHZ_PATH) {
    return new Response("not found\n", { status: 404 });
  }
  if (line.method !== "GET") {
    return new Response("method not allowed\n", { status: 405, headers: { allow: "GET" } });
  }
  if (page) return page;
  if (path === HEALTHZ_PATH) return healthzResponse(options.serving);
  return new Response(await options.metrics.exposition(), {
    headers: { "content-type": options.metrics.contentType },
  });
}
