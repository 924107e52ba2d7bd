/**
 * Prometheus 2.x (Debian `prometheus`) for integration tests: started on
 * 127.0.0.1 with a free port and a temporary TSDB, with
 * `--web.enable-remote-write-receiver` so `/api/v1/write` accepts
 * remote-write 1.0, and either nothing to scrape or one target scraped every
 * second; {@link instantQuery} reads values back with PromQL. Skipped, like
 * the other receivers (`./receivers.ts`), when the binary is missing and
 * cannot be installed.
 */
import { findBinary, freePort, type Receiver, start } from "./receivers.ts";

/** Why Prometheus cannot run here, or undefined when it can. */
export function prometheusMissing(): string | undefined {
  return findBinary("prometheus")
    ? undefined
    : "prometheus not installed: apt-get install prometheus";
}

/** The job name of the scraped target, its `job` label. */
export const SCRAPE_JOB = "scraped";

/**
 * Prometheus with its remote-write receiver on; it scrapes `scrapeTarget`
 * (host:port, path `/metrics`) every second when one is given, else nothing.
 */
export async function startPrometheus(scrapeTarget?: string): Promise<Receiver> {
  const dir = await Deno.makeTempDir({ prefix: "mini-collector-prometheus-" });
  const url = new URL(`http://127.0.0.1:${freePort()}/`);
  const scrape = scrapeTarget
    ? `scrape_configs:
  - job_name: ${SCRAPE_JOB}
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: ["${scrapeTarget}"]
`
    : "";
  await Deno.writeTextFile(`${dir}/prometheus.yml`, `global:\n  scrape_interval: 1h\n${scrape}`);
  const stop = await start(
    "prometheus",
    [
      "--web.enable-remote-write-receiver",
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=${url.host}`,
      `--config.file=${dir}/prometheus.yml`,
      "--log.level=error",
    ],
    dir,
    url,
    "/-/ready",
  );
  return { url, stop };
}

/** One series of an instant query's answer: its labels and its value now. */
export interface InstantSample {
  labels: Record<string, string>;
  value: number;
}

/** Evaluates `promql` now through `/api/v1/query`; fails on anything but a vector answer. */
export async function instantQuery(receiver: Receiver, promql: string): Promise<InstantSample[]> {
  const url = new URL("/api/v1/query", receiver.url);
  url.searchParams.set("query", promql);
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const answer = await response.json();
  if (answer.status !== "success" || answer.data.resultType !== "vector") {
    throw new Error(`${promql}: ${response.status} ${JSON.stringify(answer)}`);
  }
  return answer.data.result.map((
    { metric, value }: { metric: Record<string, string>; value: [number, string] },
  ) => ({ labels: metric, value: Number(value[1]) }));
}
