/**
 * A real `vmagent` (Debian's victoria-metrics package) on 127.0.0.1 in front
 * of several remote-write targets, for fleet tests: it accepts Prometheus
 * remote write on `/api/v1/write` and forwards to every target through its
 * on-disk queue (`-remoteWrite.tmpDataPath`), which holds a target's data
 * while that target is down. `shard` spreads series over the targets by a
 * hash of their `container` label (per-URL relabeling: this vmagent predates
 * `-remoteWrite.shardByURL`); `replicate` sends every series to every target.
 * Also: reading back every sample of one metric from VictoriaMetrics' export
 * API, and vmagent's own pending-queue gauge.
 *
 * @module
 */
import { join } from "node:path";
import { findBinary, freePort, type Receiver, start } from "./receivers.ts";

export type Spread = "shard" | "replicate";

export interface Vmagent extends Receiver {
  /** Where the aggregators' Prometheus sink writes. */
  writeUrl: URL;
  /** Bytes waiting in the on-disk queues, summed over targets (vmagent's own gauge). */
  pendingBytes(): Promise<number>;
}

/** Why vmagent cannot run here, or undefined. */
export function vmagentMissing(): string | undefined {
  return findBinary("vmagent")
    ? undefined
    : "vmagent not installed: apt-get install victoria-metrics";
}

/** Keeps the series whose `container` label hashes to `shard` of `shards`. */
function shardRelabeling(shard: number, shards: number): string {
  return `- action: hashmod
  source_labels: [container]
  modulus: ${shards}
  target_label: __shard
- action: keep
  source_labels: [__shard]
  regex: "${shard}"
- action: labeldrop
  regex: __shard
`;
}

export async function startVmagent(targets: readonly URL[], spread: Spread): Promise<Vmagent> {
  const dir = await Deno.makeTempDir({ prefix: "mini-collector-vmagent-" });
  const url = new URL(`http://127.0.0.1:${freePort()}/`);
  const args = [
    `-httpListenAddr=${url.host}`,
    `-remoteWrite.tmpDataPath=${join(dir, "queue")}`,
    "-remoteWrite.flushInterval=500ms",
    "-loggerLevel=ERROR",
    ...targets.map((target) => `-remoteWrite.url=${new URL("/api/v1/write", target).href}`),
  ];
  if (spread === "shard") {
    const files = targets.map((_, shard) => join(dir, `shard-${shard}.yaml`));
    for (const [shard, file] of files.entries()) {
      await Deno.writeTextFile(file, shardRelabeling(shard, targets.length));
    }
    args.push(`-remoteWrite.urlRelabelConfig=${files.join(",")}`);
  }
  const stop = await start("vmagent", args, dir, url, "/health");
  return {
    url,
    writeUrl: new URL("/api/v1/write", url),
    stop,
    async pendingBytes() {
      const text = await (await fetch(new URL("/metrics", url))).text();
      return text.split("\n").filter((line) =>
        line.startsWith("vmagent_remotewrite_pending_data_bytes")
      ).reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
    },
  };
}

/**
 * Every sample time (seconds) of `metric` in a VictoriaMetrics, by the value
 * of `label` (after flushing its in-memory buffers), via `/api/v1/export`.
 */
export async function exportedTimes(
  store: URL,
  metric: string,
  label: string,
): Promise<Map<string, Set<number>>> {
  await (await fetch(new URL("/internal/force_flush", store))).body?.cancel();
  const url = new URL("/api/v1/export", store);
  url.searchParams.set("match[]", metric);
  url.searchParams.set("start", String(Math.floor(Date.now() / 1000) - 3_600));
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`export from ${store.href}: HTTP ${response.status} ${text}`);
  const times = new Map<string, Set<number>>();
  for (const line of text.split("\n").filter((line) => line)) {
    const series = JSON.parse(line) as { metric: Record<string, string>; timestamps: number[] };
    const key = series.metric[label];
    if (!times.has(key)) times.set(key, new Set());
    for (const ms of series.timestamps) times.get(key)!.add(ms / 1000);
  }
  return times;
}
