/**
 * One sink's delivery loop. It reads the sink's next batch from the spool at
 * its own cursor; a batch closes when it holds `batchSize` points or when its
 * oldest point has waited `maxWaitMs`. A delivered or dropped batch advances
 * the cursor; a deferred one stays in the spool and the loop backs off
 * (exponentially, with jitter) before trying again. `drain` delivers what is
 * left without waiting for batches to fill; `abort` cancels the delivery in
 * flight, whose points then stay in the spool. An optional hook learns how
 * long the points of each delivered batch waited, for the latency metric.
 *
 * @module
 */
import { backoffDelay, type BackoffPolicy } from "../../shared/backoff.ts";
import { delay } from "../../shared/delay.ts";
import { log } from "../../shared/log.ts";
import type { DeliveryCounters, DeliveryOutcome, Sink } from "../sinks/mod.ts";
import type { Spool } from "../spool/mod.ts";

export interface LoopOptions {
  batchSize: number;
  maxWaitMs: number;
  /** The pause after deferred batches in a row. */
  backoff: BackoffPolicy;
  /** Told, after each delivered batch, how long each of its points waited since its arrival. */
  onDelivered?: (sink: string, waitedMs: readonly number[]) => void;
  now?: () => number;
}

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
  /** What the loop is waiting for, so new points wake it only when they matter. */
  #waitingFor?: "points" | "batch" | "backoff";
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
      const full = this.#spool.pending(this.#sink.name) >= this.#options.batchSize;
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

  /** Cancels the delivery in flight and ends the loop; what was not delivered stays spooled. */
  abort(): Promise<void> {
    this.#stopping = true;
    this.#aborter.abort(new Error("aggregator shutting down"));
    this.#wake?.();
    return this.#done ?? Promise.resolve();
  }

  async #run(): Promise<void> {
    const name = this.#sink.name;
    while (!this.#stopping) {
      const oldest = this.#spool.oldestPendingMs(name);
      if (oldest === undefined) {
        if (this.#draining) return;
        await this.#sleep(Infinity, "points");
        continue;
      }
      const dueIn = oldest + this.#options.maxWaitMs - this.#now();
      const full = this.#spool.pending(name) >= this.#options.batchSize;
      if (!full && !this.#draining && dueIn > 0) {
        await this.#sleep(dueIn, "batch");
        continue;
      }
      const outcome = await this.#deliverBatch();
      if (outcome === "deferred") {
        if (this.#draining) return;
        await this.#sleep(backoffDelay(++this.#deferrals, this.#options.backoff), "backoff");
      } else {
        this.#deferrals = 0;
      }
    }
  }

  async #deliverBatch(): Promise<DeliveryOutcome | undefined> {
    const name = this.#sink.name;
    const batch = this.#spool.read(name, this.#options.batchSize);
    if (batch.length === 0) return undefined;
    const points = batch.map((spooled) => spooled.point);
    let outcome: DeliveryOutcome;
    try {
      outcome = await this.#sink.deliver(points, this.#aborter.signal);
    } catch (error) {
      if (this.#stopping) return undefined;
      logger.error("sink {sink} failed on {points} points: {error}", {
        sink: name,
        points: points.length,
        error: String(error),
      });
      outcome = "deferred";
    }
    if (this.#stopping) return undefined;
    this.#counters.count(name, outcome, points.length);
    if (outcome === "delivered" && this.#options.onDelivered) {
      const now = this.#now();
      this.#options.onDelivered(name, batch.map((spooled) => now - spooled.receivedMs));
    }
    if (outcome !== "deferred") {
      try {
        this.#spool.advance(name, batch.at(-1)!.id);
      } catch (error) {
        logger.error("cannot record delivery to {sink} in the spool: {error}", {
          sink: name,
          error: String(error),
        });
        return "deferred";
      }
    }
    return outcome;
  }

  /** Waits `ms` (Infinity: no limit) or until woken by new points, drain or abort. */
  async #sleep(ms: number, waitingFor: "points" | "batch" | "backoff"): Promise<void> {
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
