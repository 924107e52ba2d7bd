/**
 * Starts one of the aggregator's module workers from its bundled source
 * (worker_bundle.ts) through a blob URL, so the worker needs no permission to
 * read source files; it runs with the aggregator's own permissions.
 *
 * @module
 */

/** A started worker; `stop` terminates it and lets its blob URL go. */
export interface StartedWorker {
  worker: Worker;
  stop(): void;
}

export function startWorker(source: string, name: string): StartedWorker {
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module", name });
  return {
    worker,
    stop() {
      worker.terminate();
      URL.revokeObjectURL(url);
    },
  };
}
