/**
 * What the spool, the delivery loops and the sinks count into: one contract
 * below all three, so that none of them imports another for it (the stats
 * implement it, aggregator/stats.ts).
 *
 * @module
 */

/** The aggregator's counters, by decision: `sent`, `retried`, `split`, `dropped`, `expired`, … */
export interface DeliveryCounters {
  count(sink: string, decision: string, points: number): void;
  /** What last went wrong delivering to `sink` (a retried or refused request), for the status page. */
  problem?(sink: string, message: string): void;
}
