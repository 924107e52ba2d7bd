/**
 * Group commit: items submitted by concurrent callers during one turn of the
 * event loop are written by a single call of `commit` (one transaction), and
 * each caller's promise settles only after that call's promise settled —
 * resolved when it succeeded, rejected with its error otherwise. One commit
 * runs at a time; what is submitted meanwhile waits and goes as the next
 * group, as soon as the running one is done.
 *
 * @module
 */
import { setImmediate } from "node:timers";

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<T> {
  #commit: (items: readonly T[]) => Promise<void>;
  #items: T[] = [];
  #waiters: Waiter[] = [];
  #running?: Promise<void>;

  constructor(commit: (items: readonly T[]) => Promise<void>) {
    this.#commit = commit;
  }

  submit(items: readonly T[]): Promise<void> {
    const settled = new Promise<void>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
    this.#items.push(...items);
    this.#running ??= this.#run();
    return settled;
  }

  /** Resolves when nothing submitted is left uncommitted. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #run(): Promise<void> {
    // The calls of this turn join the first group.
    await new Promise((turnEnded) => setImmediate(turnEnded));
    while (this.#waiters.length > 0) {
      const items = this.#items;
      const waiters = this.#waiters;
      this.#items = [];
      this.#waiters = [];
      try {
        await this.#commit(items);
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
        continue;
      }
      for (const waiter of waiters) waiter.resolve();
    }
    this.#running = undefined;
  }
}
