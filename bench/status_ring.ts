/**
 * The status page's memory at scale: status_ring_probe.ts in a fresh process
 * per run, at 10,000 containers (the ring's cap) after one point each, after
 * every one of their 90 history slots filled, and after 2,000 more containers
 * beyond the cap — side by side, so the figures show what a container costs
 * and that neither more points nor more containers grow it. Also the time to
 * build one `/api/status` snapshot then, and its size.
 *
 * @module
 */
import { MAX_CONTAINERS, SLOTS } from "../aggregator/status/history.ts";
import { summarize, type Summary } from "./stats.ts";

const PROBE = new URL("./status_ring_probe.ts", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;
const MB = 1024 * 1024;

export interface StatusRingResult {
  what: string;
  containers: number;
  slotsPerContainer: number;
  /** Memory (heap and backing stores) the page holds after one point per container. */
  onePointMiB: Summary;
  /** … after every history slot of every container filled. */
  fullHistoryMiB: Summary;
  /** … after 20% more containers than the cap sent on top. */
  beyondCapMiB: Summary;
  bytesPerContainer: Summary;
  snapshotMs: Summary;
  snapshotMiB: Summary;
}

export async function measureStatusRing(runs: number): Promise<StatusRingResult> {
  const samples: Record<string, number>[] = [];
  for (let run = 0; run < runs; run++) {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--config",
        CONFIG,
        "--v8-flags=--expose-gc",
        PROBE,
        String(MAX_CONTAINERS),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    if (!output.success) throw new Error(`status ring probe failed: ${text.decode(output.stderr)}`);
    samples.push(JSON.parse(text.decode(output.stdout)));
  }
  const of = (pick: (sample: Record<string, number>) => number, digits = 2) =>
    summarize(samples.map(pick), digits);
  return {
    what: "StatusPage fed 10,000 containers: V8 heap + external memory after full GC, after one " +
      "point each, every history slot filled, 2,000 containers beyond the cap; then one " +
      "/api/status snapshot (build + JSON.stringify)",
    containers: MAX_CONTAINERS,
    slotsPerContainer: SLOTS,
    onePointMiB: of((s) => s.onePointBytes / MB),
    fullHistoryMiB: of((s) => s.fullBytes / MB),
    beyondCapMiB: of((s) => s.beyondCapBytes / MB),
    bytesPerContainer: of((s) => s.fullBytes / MAX_CONTAINERS, 0),
    snapshotMs: of((s) => s.snapshotMs, 1),
    snapshotMiB: of((s) => s.snapshotBytes / MB),
  };
}
