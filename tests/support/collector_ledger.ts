/**
 * What a collector did with each point, read back from its JSON log
 * (`MINI_COLLECTOR_LOG_FORMAT=json` with `MINI_COLLECTOR_DEBUG`): the sample
 * times it published (alone or in a batch), dropped from a full queue or saw refused, and how many
 * were left unsent at exit. Every point a collector samples ends in exactly
 * one of these, so together they are the points it produced.
 */

export interface CollectorLedger {
  published: Set<number>;
  dropped: Set<number>;
  refused: Set<number>;
  /** Points still queued when the collector exited (from its last log line). */
  unsent: number;
  /** Retried publish failures it logged as warnings. */
  retryWarnings: number;
}

interface LogLine {
  message: string;
  properties: Record<string, unknown>;
}

export function collectorLedger(stderr: string): CollectorLedger {
  const ledger: CollectorLedger = {
    published: new Set(),
    dropped: new Set(),
    refused: new Set(),
    unsent: 0,
    retryWarnings: 0,
  };
  for (const text of stderr.split("\n")) {
    if (!text.startsWith("{")) continue;
    const { message, properties } = JSON.parse(text) as LogLine;
    // A call's log lines list its sample times; a single entry's, its time.
    const times = (properties.times ?? [properties.time]) as number[];
    if (message.startsWith("published ")) times.forEach((time) => ledger.published.add(time));
    else if (message.startsWith("queue full")) ledger.dropped.add(properties.time as number);
    else if (message.startsWith("the aggregator refused")) {
      times.forEach((time) => ledger.refused.add(time));
    } else if (message.includes("failed, will retry")) ledger.retryWarnings++;
    else if (message.startsWith("stopped with")) ledger.unsent += properties.unsent as number;
  }
  return ledger;
}

/** Every sample time the ledgers account for (published, dropped or refused), merged. */
export function producedTimes(...ledgers: CollectorLedger[]): Set<number> {
  return new Set(ledgers.flatMap((ledger) => [
    ...ledger.published,
    ...ledger.dropped,
    ...ledger.refused,
  ]));
}

/** The collector's JSON-log settings for ledger reading, merged into its environment. */
export const LEDGER_ENV = { MINI_COLLECTOR_LOG_FORMAT: "json", MINI_COLLECTOR_DEBUG: "" };
