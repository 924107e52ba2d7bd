/**
 * The project's one timer as a promise: `delay(ms, { signal })` resolves after
 * `ms`, or as soon as the signal aborts (resolving, not rejecting, so a loop
 * that is told to stop simply checks its signal after the wait). Every wait in
 * both programs goes through it (deadline.ts too), so tests can drive them all
 * with one fake clock (`@sinonjs/fake-timers`).
 *
 * @module
 */

/** Options of {@link delay}. */
export interface DelayOptions {
  /** Ends the wait early when aborted. */
  signal?: AbortSignal;
}

/** Waits `ms` milliseconds, or until `signal` aborts; true when the full time elapsed. */
export function delay(ms: number, { signal }: DelayOptions = {}): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (elapsed: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", aborted);
      resolve(elapsed);
    };
    const aborted = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener("abort", aborted, { once: true });
  });
}
