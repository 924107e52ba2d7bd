/**
 * One sink's delivery loop. It reads the sink's next batch from the spool
 * after the last point it has already handed to the sink; a batch closes when
 * it holds `batchSize` points or when its oldest point has waited
 * `maxWaitMs`. Up to `concurrency` batches are in flight at once (a
 * destination that answers slowly no longer holds the next batch back), but
 * the sink's cursor moves in read order only: a batch that settles early
 * waits for the ones read before it, so the cursor never passes a point that
 * was not delivered or dropped. A deferred batch stops the reading; once the
 * batches in flight have settled the loop reads again from the cursor (the
 * batches after the deferred one are offered again: at least once, see
 * docs/ARCHITECTURE.md, "Delivery and loss") after a back-off (exponential,
 * with jitter). `drain` delivers what is left without waiting for batches to
 * fill; `abort` cancels the deliveries in flight, whose points then stay in
 * the spool. An optional hook learns how long the points of each delivered
 * batch waited, for the latency metric.
 *
 * @module
 */
import { backoffDelay, type BackoffPolicy } from "../../shared/backoff.ts";
import { delay } from "../../shared/async/mod.ts";
import { log } from "../../shared/log.ts";
import type { DeliveryCounters } from "../counters.ts";
import type { DeliveryOutcome, Sink } from "../sinks/mod.ts";
import type { Spool, SpooledPoint } from "../spool/mod.ts";

export interface LoopOptions {
  batchSize: number;
  maxWaitMs: number;
  /** Batches handed to the sink and not yet settled, at most; 1 by default. */
  concurrency?: number;
  /** The pause after deferred batches in a row. */
  backoff: BackoffPolicy;
  /** Told, after each delivered batch, how long each of its points waited since its arrival. */
  onDelivered?: (sink: string, waitedMs: readonly number[]) => void;
  now?: () => number;
}

/** A batch handed to the sink: the position of its last point and, once known, its outcome. */
interface InFlight {
  last: number;
  outcome?: DeliveryOutcome;
}

type Waiting = "points" | "batch" | "backoff" | "settled";

const logger = log("aggregator", "delivery");

export class DeliveryLoop {
  #sink: Sink;
  #spool: Spool;
  #counters: DeliveryCounters;
  #options: LoopOptions;
  #now: () => number;
  #stopping = false;
  #draining = false;
  #aborter = new AbortController();
  #wake?: () => void;
  /** Deferred batches in a row, for the pause before the next round. */
  #deferrals = 0;
  /** A batch was deferred: read nothing more until those in flight have settled. */
  #deferred = false;
  /** The position of the last point handed to the sink (at least the cursor). */
  #readUpTo = 0;
  /** Batches in flight, in read order. */
  #inFlight: InFlight[] = [];
  #deliveries = new Set<Promise<void>>();
  /** What the loop is waiting for, so new points wake it only when they matter. */
  #waitingFor?: Waiting;
  #done?: Promise<void>;

  constructor(sink: Sink, spool: Spool, counters: DeliveryCounters, options: LoopOptions) {
    this.#sink = sink;
    this.#spool = spool;
    this.#counters = counters;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    const unsubscribe = this.#spool.onAppend(() => {
      const full = this.#spool.pending(this.#sink.name, this.#readUpTo) >= this.#options.batchSize;
      if (this.#waitingFor === "points" || (this.#waitingFor === "batch" && full)) this.#wake?.();
    });
    this.#done = this.#run().finally(unsubscribe);
  }

  /**
   * Delivers everything left in the spool at once, in batches, and stops when
   * it is empty or after a deferred batch; resolves when the loop has ended.
   */
  drain(): Promise<void> {
    this.#draining = true;
    this.#wake?.();
    return this.#done ?? Promise.resolve();
  }

  /** Cancels the deliveries in flight and ends the loop; what was not delivered stays spooled. */
  abort(): Promise<void> {
    this.#stopping = true;
    this.#aborter.abort(new Error("aggregator shutting down"));
    this.#wake?.();
    return this.#done ?? Promise.resolve();
  }

  async #run(): Promise<void> {
    const name = this.#sink.name;
    const concurrency = Math.max(1, this.#options.concurrency ?? 1);
    while (!this.#stopping) {
      if (this.#deferred || this.#inFlight.length >= concurrency) {
        if (this.#inFlight.length > 0) {
          await this.#sleep(Infinity, "settled");
          continue;
        }
        // Every batch has settled after a deferred one: read again from the cursor.
        this.#deferred = false;
        this.#readUpTo = this.#spool.cursor(name);
        if (this.#draining) break;
        await this.#sleep(backoffDelay(++this.#deferrals, this.#options.backoff), "backoff");
        continue;
      }
      const after = Math.max(this.#readUpTo, this.#spool.cursor(name));
      const oldest = this.#spool.oldestPendingMs(name, after);
      if (oldest === undefined) {
        if (this.#draining && this.#inFlight.length === 0) break;
        await this.#sleep(Infinity, this.#draining ? "settled" : "points");
        continue;
      }
      const dueIn = oldest + this.#options.maxWaitMs - this.#now();
      const full = this.#spool.pending(name, after) >= this.#options.batchSize;
      if (!full && !this.#draining && dueIn > 0) {
        await this.#sleep(dueIn, "batch");
        continue;
      }
      this.#dispatch(this.#spool.read(name, this.#options.batchSize, after));
    }
    await Promise.all(this.#deliveries);
  }

  /** Hands `batch` to the sink; its outcome is recorded when it settles. */
  #dispatch(batch: SpooledPoint[]): void {
    if (batch.length === 0) return;
    const entry: InFlight = { last: batch.at(-1)!.id };
    this.#readUpTo = entry.last;
    this.#inFlight.push(entry);
    const delivery = this.#deliver(batch).then((outcome) => {
      entry.outcome = outcome;
      this.#deliveries.delete(delivery);
      this.#commitSettled();
      this.#wake?.();
    });
    this.#deliveries.add(delivery);
  }

  async #deliver(batch: SpooledPoint[]): Promise<DeliveryOutcome> {
    const name = this.#sink.name;
    const points = batch.map((spooled) => spooled.point);
    let outcome: DeliveryOutcome;
    try {
      outcome = await this.#sink.deliver(points, this.#aborter.signal);
    } catch (error) {
      if (this.#stopping) return "deferred";
      logger.error("sink {sink} failed on {points} points: {error}", {
        sink: name,
        points: points.length,
        error: String(error),
      });
      outcome = "deferred";
    }
    if (this.#stopping) return "deferred";
    this.#counters.count(name, outcome, points.length);
    if (outcome === "delivered" && this.#options.onDelivered) {
      const now = this.#now();
      this.#options.onDelivered(name, batch.map((spooled) => now - spooled.receivedMs));
    }
    return outcome;
  }

  /**
   * Moves the cursor past the settled batches at the head of the read order:
   * past each delivered or dropped one, up to the first deferred one, after
   * which nothing moves it until the loop reads again from the cursor.
   */
  #commitSettled(): void {
    while (this.#inFlight[0]?.outcome !== undefined) {
      const { last, outcome } = this.#inFlight.shift()!;
      if (this.#deferred || this.#stopping) continue;
      if (outcome === "deferred" || !this.#advance(last)) this.#deferred = true;
      else this.#deferrals = 0;
    }
  }

  /** Records the cursor; false when the spool cannot (the batch counts as deferred). */
  #advance(position: number): boolean {
    try {
      this.#spool.advance(this.#sink.name, position);
      return true;
    } catch (error) {
      logger.error("cannot record delivery to {sink} in the spool: {error}", {
        sink: this.#sink.name,
        error: String(error),
      });
      return false;
    }
  }

  /** Waits `ms` (Infinity: no limit) or until woken by new points, a settled batch, drain or abort. */
  async #sleep(ms: number, waitingFor: Waiting): Promise<void> {
    const wake = new AbortController();
    this.#wake = () => wake.abort();
    this.#waitingFor = waitingFor;
    try {
      if (Number.isFinite(ms)) await delay(ms, { signal: wake.signal });
      else await woken(wake.signal);
    } finally {
      this.#waitingFor = undefined;
    }
  }
}

/** Resolves once `signal` aborts. */
function woken(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
}
