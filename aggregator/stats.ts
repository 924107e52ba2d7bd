/**
 * The aggregator's counters: calls by method, points accepted, points rejected
 * by reason, and
 * per sink the fate of its points (delivery outcomes counted by the delivery
 * loop, the sinks' own decisions, spool overflow) and the last problem it met. `formatStats` turns them and the
 * spool's depth and age into the periodic log line.
 *
 * @module
 */
import type { RejectReason } from "../shared/point/mod.ts";
import type { DeliveryCounters } from "./counters.ts";
import type { SpoolState } from "./spool/mod.ts";

/**
 * Every reason a point is refused for: what validation refuses, a full spool,
 * and a call during shutdown. Written as a record so a reason added to the
 * type without being listed here does not compile.
 */
const REASONS: Record<RejectReason | "spool_full" | "unavailable", true> = {
  missing_tag: true,
  invalid_tag: true,
  invalid_time: true,
  invalid_metric: true,
  tag_set_limit: true,
  spool_full: true,
  unavailable: true,
};
export const REJECT_REASONS: readonly string[] = Object.keys(REASONS);

export interface StatsSnapshot {
  /** Calls answered, by method (`publish`, `publish_batch`). */
  calls: Record<string, number>;
  accepted: number;
  rejected: Record<string, number>;
  sinks: Record<string, Record<string, number>>;
  spool: SpoolState;
}

export class Stats implements DeliveryCounters {
  #calls = new Map<string, number>();
  #accepted = 0;
  #rejected = new Map<string, number>();
  #sinks = new Map<string, Map<string, number>>();
  #problems = new Map<string, { message: string; atMs: number }>();

  /** One call of `method`, whatever its outcome. */
  call(method: string): void {
    increment(this.#calls, method, 1);
  }

  accept(points: number): void {
    this.#accepted += points;
  }

  /** Points refused, by reason (`missing_tag`, `spool_full`, …). */
  reject(reason: string, points = 1): void {
    increment(this.#rejected, reason, points);
  }

  count(sink: string, decision: string, points: number): void {
    let decisions = this.#sinks.get(sink);
    if (!decisions) this.#sinks.set(sink, decisions = new Map());
    increment(decisions, decision, points);
  }

  problem(sink: string, message: string): void {
    this.#problems.set(sink, { message, atMs: Date.now() });
  }

  /** The last problem `sink` reported, and when. */
  lastProblem(sink: string): { message: string; atMs: number } | undefined {
    return this.#problems.get(sink);
  }

  snapshot(spool: SpoolState): StatsSnapshot {
    return {
      calls: Object.fromEntries(this.#calls),
      accepted: this.#accepted,
      rejected: Object.fromEntries(this.#rejected),
      sinks: Object.fromEntries(
        [...this.#sinks].map(([sink, decisions]) => [sink, Object.fromEntries(decisions)]),
      ),
      spool,
    };
  }
}

function increment(counts: Map<string, number>, key: string, by: number): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}

/**
 * `calls={publish:13} accepted=12 rejected={missing_tag:1} stdout={delivered:12} spool depth=0
 * age=0s bytes=0`.
 */
export function formatStats(snapshot: StatsSnapshot): string {
  const pairs = (record: Record<string, number>) =>
    `{${Object.entries(record).map(([key, value]) => `${key}:${value}`).join(",")}}`;
  const sinks = Object.entries(snapshot.sinks).map(([sink, decisions]) =>
    `${sink}=${pairs(decisions)}`
  );
  const spool = snapshot.spool;
  return [
    `calls=${pairs(snapshot.calls)}`,
    `accepted=${snapshot.accepted}`,
    `rejected=${pairs(snapshot.rejected)}`,
    ...sinks,
    `spool depth=${spool.depth} age=${Math.round(spool.oldestAgeMs / 1000)}s bytes=${spool.bytes}` +
    (spool.writable ? "" : " unwritable"),
  ].join(" ");
}
