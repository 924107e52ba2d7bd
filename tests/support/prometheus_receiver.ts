/**
 * Prometheus 2.x (Debian `prometheus`) as a remote-write receiver for
 * integration tests: started on 127.0.0.1 with a free port, an empty scrape
 * configuration and a temporary TSDB, with `--web.enable-remote-write-receiver`
 * so `/api/v1/write` accepts remote-write 1.0. Skipped, like the other
 * receivers (`./receivers.ts`), when the binary is missing and cannot be
 * installed.
 */
import { findBinary, freePort, type Receiver, start } from "./receivers.ts";

/** Why Prometheus cannot run here, or undefined when it can. */
export function prometheusMissing(): string | undefined {
  return findBinary("prometheus")
    ? undefined
    : "prometheus not installed: apt-get install prometheus";
}

/** Prometheus with its remote-write receiver on and nothing to scrape. */
export async function startPrometheus(): Promise<Receiver> {
  const dir = await Deno.makeTempDir({ prefix: "mini-collector-prometheus-" });
  const url = new URL(`http://127.0.0.1:${freePort()}/`);
  await Deno.writeTextFile(`${dir}/prometheus.yml`, "global:\n  scrape_interval: 1h\n");
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
