/**
 * Promises and abort signals, the two ways round: {@link abortable} gives up
 * on a promise when a signal aborts (the connect step of the gRPC client, for
 * one), {@link untilAborted} is a promise that settles when a signal aborts
 * (a loop woken by new work, a shutdown past its deadline). The listeners are
 * removed once the promise settles, so a long-lived signal does not collect
 * them.
 *
 * @module
 */

/**
 * Settles as `promise` does, or rejects with `signal.reason` once `signal`
 * aborts. A result that arrives after the abort goes to `late` (e.g. to close
 * a connection nobody waits for any more).
 */
export function abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  late?: (value: T) => void,
): Promise<T> {
  const abandon = () => promise.then(late, () => {});
  if (signal.aborted) {
    abandon();
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      abandon();
      reject(signal.reason);
    };
    signal.addEventListener("abort", abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

/** Resolves once `signal` aborts (at once if it already has). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
}
