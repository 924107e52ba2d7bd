/**
 * Writes gen/writer_source.ts: the spool-writer worker (writer_worker.ts) and
 * everything it imports, bundled into one module (../worker_bundle.ts), as a
 * string the spool starts the worker from.
 * Run after changing anything the worker imports (a test fails until then):
 * `deno run --allow-read --allow-write --allow-run aggregator/spool/bundle.ts`.
 *
 * @module
 */
import { bundledWorker, BUNDLES, writeBundle } from "../worker_bundle.ts";

/** The generated module's text. */
export const writerSource = (): Promise<string> => bundledWorker(BUNDLES.spoolWriter);

if (import.meta.main) await writeBundle(BUNDLES.spoolWriter);
