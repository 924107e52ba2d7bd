/**
 * Group commit: items submitted by concurrent callers during one turn of the
 * event loop are written by a single call of `commit` (one transaction), and
 * each caller's promise settles only after that call returned — resolved when
 * it succeeded, rejected with its error otherwise.
 *
 * @module
 */
import { setImmediate } from "node:timers";

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<T> {
  #commit: (items: readonly T[]) => void;
  #items: T[] = [];
  #waiters: Waiter[] = [];
  #scheduled?: Promise<void>;

  constructor(commit: (items: readonly T[]) => void) {
    this.#commit = commit;
  }

  submit(items: readonly T[]): Promise<void> {
    const settled = new Promise<void>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
    this.#items.push(...items);
    this.#scheduled ??= new Promise<void>((done) => {
      setImmediate(() => {
        this.#flush();
        done();
      });
    });
    return settled;
  }

  /** Resolves when nothing submitted is left uncommitted. */
  async idle(): Promise<void> {
    while (this.#scheduled) await this.#scheduled;
  }

  #flush(): void {
    const items = this.#items;
    const waiters = this.#waiters;
    this.#items = [];
    this.#waiters = [];
    this.#scheduled = undefined;
    try {
      this.#commit(items);
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
      return;
    }
    for (const waiter of waiters) waiter.resolve();
  }
}
