/**
 * Part of the ingest section: what a point costs in the spool. The
 * aggregator's own Spool (format 2) is filled in this process with calls of
 * one host's containers — 50 points a call, each container with its own
 * 64-hex id, every metric set (tests/support/points.ts) — as a per-host
 * collector sends them, then read back for its two sizes: the bytes counted
 * against AGGREGATOR_SPOOL_MAX_BYTES (row bodies plus row overhead) and the
 * database file's size, per point.
 *
 * @module
 */
import { Spool } from "../aggregator/spool/mod.ts";
import { Stats } from "../aggregator/stats.ts";
import { containerPoints } from "../tests/support/points.ts";
import { round } from "./stats.ts";

/** Calls appended, and points in each: one host's containers. */
const WORKLOAD = { calls: 2000, pointsPerCall: 50 } as const;

export interface SpoolBytes {
  workload: string;
  /** Bytes counted against the spool cap, per point. */
  capBytesPerPoint: number;
  /** Bytes of the database files on disk, per point. */
  fileBytesPerPoint: number;
}

export async function measureSpoolBytes(): Promise<SpoolBytes> {
  const directory = await Deno.makeTempDir({ prefix: "mini-collector-spool-bytes-" });
  try {
    const spool = new Spool({
      directory,
      maxBytes: 1 << 30,
      sinks: ["datadog"],
      counters: new Stats(),
    });
    spool.open();
    const start = Math.floor(Date.now() / 1000) - WORKLOAD.calls * 30;
    for (let call = 0; call < WORKLOAD.calls; call++) {
      await spool.append(
        containerPoints(WORKLOAD.pointsPerCall, start + call * 30).map((point, index) => ({
          ...point,
          tags: {
            ...point.tags,
            container: (0xc0ffee + index * 7919).toString(16).padStart(64, "0"),
          },
        })),
      );
    }
    const { depth, bytes } = spool.state();
    await spool.close();
    let fileBytes = 0;
    for await (const entry of Deno.readDir(directory)) {
      fileBytes += (await Deno.stat(`${directory}/${entry.name}`)).size;
    }
    return {
      workload:
        `${WORKLOAD.calls} calls of ${WORKLOAD.pointsPerCall} points (one host's containers, 64-hex ` +
        "container ids, every metric set)",
      capBytesPerPoint: round(bytes / depth, 1),
      fileBytesPerPoint: round(fileBytes / depth, 1),
    };
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}
