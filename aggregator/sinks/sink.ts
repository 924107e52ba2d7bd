/**
 * The contract between the aggregator's delivery loop and a destination.
 * Every configured sink receives every batch, independently: each reads the
 * spool from its own cursor, so a slow or failing sink never holds the
 * others back, and a point leaves the spool once every sink is past it.
 *
 * @module
 */
import type { Point } from "../stored_point.ts";

/**
 * What became of a batch at one sink:
 * - `delivered`: the destination acknowledged it (or the part it accepted);
 * - `dropped`: it can never be delivered (rejected as invalid, expired);
 *   the sink has logged and counted why, and the batch is not retried;
 * - `deferred`: a transient failure outlasted the retries; the batch stays
 *   in the spool and is offered again in the next round.
 */
export type DeliveryOutcome = "delivered" | "dropped" | "deferred";

/** One destination, named by its registry entry (registry.ts, `SinkName`). */
export interface Sink<Name extends string = string> {
  /** Short name used in logs, counters and the spool's cursors. */
  readonly name: Name;
  deliver(points: readonly Point[], signal: AbortSignal): Promise<DeliveryOutcome>;
}
