/**
 * One memory budget for everything the HTTP/2 connections of a process
 * buffer on behalf of their peers: connection records with their read
 * buffers, stream records, request bodies, and queued output. It is a share
 * of the V8 heap limit, so no peer can drive the process to out-of-memory:
 * what would not fit is refused (a stream with REFUSED_STREAM, a connection
 * with GOAWAY) instead.
 *
 * The last part of the budget is kept for a connection's first stream, so a
 * new client still gets its call answered while others hold the rest.
 *
 * @module
 */
import { getHeapStatistics } from "node:v8";

/** The share of the heap limit HTTP/2 buffers may hold. */
export const HEAP_SHARE = 0.25;
/** The share of the budget only a connection's first stream may use. */
export const RESERVED_SHARE = 0.2;

let processWide: MemoryBudget | undefined;

/** The one budget of this process, made on first use, shared by all its listeners. */
export function processBudget(): MemoryBudget {
  return processWide ??= MemoryBudget.fromHeap();
}

export class MemoryBudget {
  #used = 0;

  constructor(readonly limit: number) {}

  /** A budget of `HEAP_SHARE` of this process's V8 heap limit. */
  static fromHeap(): MemoryBudget {
    return new MemoryBudget(Math.floor(getHeapStatistics().heap_size_limit * HEAP_SHARE));
  }

  /** Bytes held now. */
  get used(): number {
    return this.#used;
  }

  /**
   * Takes `bytes` and returns true when they fit: within the whole budget
   * when `reserved` (a connection's first stream), else within the part not
   * kept in reserve.
   */
  take(bytes: number, reserved = false): boolean {
    const ceiling = reserved ? this.limit : this.limit * (1 - RESERVED_SHARE);
    if (this.#used + bytes > ceiling) return false;
    this.#used += bytes;
    return true;
  }

  /** Takes `bytes` whether they fit or not (what is already queued); see `exhausted`. */
  force(bytes: number): void {
    this.#used += bytes;
  }

  /** Whether everything, reserve included, is taken. */
  get exhausted(): boolean {
    return this.#used >= this.limit;
  }

  release(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }
}
