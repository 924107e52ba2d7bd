/**
 * Writes gen/worker_source.ts: the encoding worker (worker.ts) and everything
 * it imports, bundled into one module (../../worker_bundle.ts), as a string
 * the aggregator starts the worker from.
 * Run after changing anything the worker imports (a test fails until then):
 * `deno run --allow-read --allow-write --allow-run aggregator/sinks/encoding/bundle.ts`.
 *
 * @module
 */
import { bundledWorker, BUNDLES, writeBundle } from "../../worker_bundle.ts";

/** The generated module's text. */
export const workerSource = (): Promise<string> => bundledWorker(BUNDLES.encoding);

if (import.meta.main) await writeBundle(BUNDLES.encoding);
