/**
 * The aggregator's counters: points accepted, requests rejected by reason, and
 * per sink the fate of its points (delivery outcomes counted by the delivery
 * loop, the sinks' own decisions, spool overflow). `formatStats` turns them and the
 * spool's depth and age into the periodic log line.
 *
 * @module
 */
import type { DeliveryCounters } from "./sinks/mod.ts";
import type { SpoolState } from "./spool/mod.ts";

export interface StatsSnapshot {
  accepted: number;
  rejected: Record<string, number>;
  sinks: Record<string, Record<string, number>>;
  spool: SpoolState;
}

export class Stats implements DeliveryCounters {
  #accepted = 0;
  #rejected = new Map<string, number>();
  #sinks = new Map<string, Map<string, number>>();

  accept(points: number): void {
    this.#accepted += points;
  }

  /** One rejected request, by reason (`missing_tag`, `spool_full`, …). */
  reject(reason: string): void {
    this.#rejected.set(reason, (this.#rejected.get(reason) ?? 0) + 1);
  }

  count(sink: string, decision: string, points: number): void {
    let decisions = this.#sinks.get(sink);
    if (!decisions) this.#sinks.set(sink, decisions = new Map());
    decisions.set(decision, (decisions.get(decision) ?? 0) + points);
  }

  snapshot(spool: SpoolState): StatsSnapshot {
    return {
      accepted: this.#accepted,
      rejected: Object.fromEntries(this.#rejected),
      sinks: Object.fromEntries(
        [...this.#sinks].map(([sink, decisions]) => [sink, Object.fromEntries(decisions)]),
      ),
      spool,
    };
  }
}

/** `accepted=12 rejected={missing_tag:1} stdout={delivered:12} spool depth=0 age=0s bytes=0`. */
export function formatStats(snapshot: StatsSnapshot): string {
  const pairs = (record: Record<string, number>) =>
    `{${Object.entries(record).map(([key, value]) => `${key}:${value}`).join(",")}}`;
  const sinks = Object.entries(snapshot.sinks).map(([sink, decisions]) =>
    `${sink}=${pairs(decisions)}`
  );
  const spool = snapshot.spool;
  return [
    `accepted=${snapshot.accepted}`,
    `rejected=${pairs(snapshot.rejected)}`,
    ...sinks,
    `spool depth=${spool.depth} age=${Math.round(spool.oldestAgeMs / 1000)}s bytes=${spool.bytes}` +
    (spool.writable ? "" : " unwritable"),
  ].join(" ");
}
