/**
 * Where a collector published over time, read back from its JSON log: the
 * aggregator it started on (its "collector starting" line, or a fleet
 * driver's "starts on" line) and each failover move (collector/failover.ts
 * logs "moving from {from} to {to}: {why}"), so a test can tell which
 * collectors were on an aggregator when it failed and how long each took to
 * move off it.
 *
 * @module
 */

export interface Move {
  from: string;
  to: string;
  why: string;
  /** Epoch ms the collector logged it. */
  at: number;
}

export interface Placement {
  /** The aggregator (base URL) it started on. */
  start: string;
  moves: Move[];
}

/** The start aggregator and moves in one collector's log; throws when the start line is missing. */
export function placement(log: string): Placement {
  const records = log.split("\n").filter((line) => line.startsWith("{")).map((line) =>
    JSON.parse(line)
  );
  const started = records.find((record) =>
    /^(collector starting|starts on)/.test(String(record.message))
  );
  if (!started) throw new Error(`no start line naming the aggregator in the log:\n${log}`);
  const moves = records.filter((record) => String(record.message).startsWith("moving from"))
    .map((record) => ({ ...record.properties, at: Date.parse(record["@timestamp"]) }));
  return { start: started.properties.aggregator, moves };
}

/** The aggregator the collector was publishing to at epoch ms `at`. */
export function aggregatorAt({ start, moves }: Placement, at: number): string {
  return moves.filter((move) => move.at <= at).at(-1)?.to ?? start;
}

/**
 * For a fault of `aggregator` at epoch ms `at`: undefined when the collector
 * was elsewhere then; otherwise the ms from the fault to its first move off
 * it, or Infinity when it never moved.
 */
export function msToMove(place: Placement, aggregator: string, at: number): number | undefined {
  if (aggregatorAt(place, at) !== aggregator) return undefined;
  const move = place.moves.find((move) => move.at >= at && move.from === aggregator);
  return move ? move.at - at : Infinity;
}
