/**
 * Several aggregators behind one connection: every call goes to the current
 * one, and a call that shows it gone moves the collector to another
 * (docs/ARCHITECTURE.md, "Delivery and loss").
 *
 * - At start the current aggregator is picked at random, so collectors
 *   spread over the list.
 * - It is kept while it answers. A call failing with `unavailable` (refused
 *   connection, lost connection, GOAWAY, an aggregator shutting down),
 *   `deadline_exceeded` (a stall past the call deadline), `internal` or
 *   `unknown` (a connection cut, as some transports report it) marks it failed
 *   and moves to another one at random among those that have not failed within
 *   the last `returnAfterMs`; when every other one has, to the one whose last
 *   failure is oldest. The call itself still fails: the publisher keeps its
 *   points queued and retries them, on the new aggregator.
 * - Drifting back: once `returnAfterMs` has passed since a move, the next call
 *   re-picks at random among every aggregator that has not failed within
 *   `returnAfterMs` (the current one included), as at start, so load spreads
 *   again once failed aggregators are back. An aggregator still down costs one
 *   failed call and another move, at most once per `returnAfterMs`.
 *
 * Each move is logged once, with where from, where to and why. With one
 * address nothing ever moves.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { log } from "../shared/log.ts";
import type { AggregatorClient, AggregatorConnection } from "./transport.ts";

export interface FailoverOptions {
  /** How long a failed aggregator is avoided, and how long after a move to re-pick; 5 min by default. */
  returnAfterMs?: number;
  /** A number in [0, 1) for the random picks; Math.random by default. */
  random?: () => number;
  /** The monotonic clock, in ms; performance.now by default. */
  now?: () => number;
}

/** The failures that say the aggregator is gone, not that it refused the points. */
const MOVE_ON = new Set<Code>([
  Code.Unavailable,
  Code.DeadlineExceeded,
  Code.Internal,
  Code.Unknown,
]);

export const RETURN_AFTER_MS = 5 * 60_000;

const logger = log("collector", "failover");

export class Failover implements AggregatorConnection {
  readonly client: AggregatorClient = {
    publish: (request, options) => this.#call((client) => client.publish(request, options)),
    publishBatch: (request, options) =>
      this.#call((client) => client.publishBatch(request, options)),
  };
  #connections: readonly AggregatorConnection[];
  /** Monotonic instant of each aggregator's last failure; -Infinity when it never failed. */
  #failedAt: number[];
  #current: number;
  /** Monotonic instant of the last move; undefined when on a random pick. */
  #movedAt?: number;
  #returnAfterMs: number;
  #random: () => number;
  #now: () => number;

  constructor(connections: readonly AggregatorConnection[], options: FailoverOptions = {}) {
    if (connections.length === 0) throw new Error("failover needs at least one aggregator");
    this.#connections = connections;
    this.#failedAt = connections.map(() => -Infinity);
    this.#returnAfterMs = options.returnAfterMs ?? RETURN_AFTER_MS;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? (() => performance.now());
    this.#current = this.#pickAmong(connections.map((_, index) => index));
  }

  /** The current aggregator's URL. */
  get baseUrl(): string {
    return this.#connections[this.#current].baseUrl;
  }

  /** Every aggregator's URL, in the configured order. */
  get baseUrls(): string[] {
    return this.#connections.map((connection) => connection.baseUrl);
  }

  close(): void {
    for (const connection of this.#connections) connection.close();
  }

  async #call<T>(call: (client: AggregatorClient) => Promise<T>): Promise<T> {
    this.#driftBack();
    const index = this.#current;
    try {
      return await call(this.#connections[index].client);
    } catch (error) {
      const failure = ConnectError.from(error);
      if (MOVE_ON.has(failure.code)) this.#failed(index, failure);
      throw error;
    }
  }

  #failed(index: number, failure: ConnectError): void {
    const now = this.#now();
    this.#failedAt[index] = now;
    if (index !== this.#current || this.#connections.length === 1) return;
    const others = this.#connections.map((_, other) => other).filter((other) => other !== index);
    const healthy = others.filter((other) => this.#healthy(other, now));
    const next = healthy.length > 0
      ? this.#pickAmong(healthy)
      : others.reduce((oldest, other) =>
        this.#failedAt[other] < this.#failedAt[oldest] ? other : oldest
      );
    this.#moveTo(next, failure.message);
    this.#movedAt = now;
  }

  /** Re-picks at random among the healthy aggregators once `returnAfterMs` has passed since a move. */
  #driftBack(): void {
    const now = this.#now();
    if (this.#movedAt === undefined || now - this.#movedAt < this.#returnAfterMs) return;
    this.#movedAt = undefined;
    const healthy = this.#connections.map((_, index) => index)
      .filter((index) => index === this.#current || this.#healthy(index, now));
    const next = this.#pickAmong(healthy);
    if (next !== this.#current) this.#moveTo(next, "re-picking at random to spread load");
  }

  #healthy(index: number, now: number): boolean {
    return now - this.#failedAt[index] >= this.#returnAfterMs;
  }

  #pickAmong(indexes: readonly number[]): number {
    return indexes[Math.floor(this.#random() * indexes.length)];
  }

  #moveTo(next: number, why: string): void {
    logger.warn("moving from aggregator {from} to {to}: {why}", {
      from: this.baseUrl,
      to: this.#connections[next].baseUrl,
      why,
    });
    this.#current = next;
  }
}
