/**
 * The stdout sink (`AGGREGATOR_TEXT_CONFIGURATION`): one JSON line per point
 * (`./encode.ts`), written in one piece per batch. Batches in flight together
 * are encoded at once but written in the order they were handed over, so the
 * lines keep the spool's order. A write that fails (closed pipe) throws, and
 * the delivery loop defers the batch so it stays in the spool.
 *
 * @module
 */
import type { Point } from "../../stored_point.ts";
import { IN_THREAD, type PayloadEncoder } from "../encoding/formats.ts";
import type { DeliveryOutcome, Sink } from "../sink.ts";

/** Writes all of `bytes` somewhere. */
export type Write = (bytes: Uint8Array) => Promise<void>;

/** Writes every point to stdout (or to `write`, for tests), encoded by `encoder`. */
export class StdoutSink implements Sink<"stdout"> {
  readonly name = "stdout";
  #write: Write;
  #encoder: PayloadEncoder;
  /** The write of the batch handed over last, which the next one waits for. */
  #lastWrite: Promise<unknown> = Promise.resolve();

  constructor(write: Write = writeStdout, encoder: PayloadEncoder = IN_THREAD) {
    this.#write = write;
    this.#encoder = encoder;
  }

  async deliver(points: readonly Point[], signal: AbortSignal): Promise<DeliveryOutcome> {
    if (signal.aborted) return "deferred";
    const encoded = this.#encoder.encode({ format: "stdout" }, points);
    const written = this.#lastWrite.then(async () => this.#write((await encoded).body));
    this.#lastWrite = written.catch(() => {});
    await written;
    return "delivered";
  }
}

async function writeStdout(bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await Deno.stdout.write(bytes.subarray(written));
}
