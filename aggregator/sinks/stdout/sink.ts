/**
 * The stdout sink (`AGGREGATOR_TEXT_CONFIGURATION`): one JSON line per point
 * (`./encode.ts`), written in one piece per batch. A write that fails (closed
 * pipe) throws, and the delivery loop defers the batch so it stays in the
 * spool.
 *
 * @module
 */
import type { Point } from "../../stored_point.ts";
import type { DeliveryOutcome, Sink } from "../sink.ts";
import { pointLine } from "./encode.ts";

/** Writes all of `bytes` somewhere. */
export type Write = (bytes: Uint8Array) => Promise<void>;

const encoder = new TextEncoder();

/** Writes every point to stdout (or to `write`, for tests). */
export class StdoutSink implements Sink {
  readonly name = "stdout";
  #write: Write;

  constructor(write: Write = writeStdout) {
    this.#write = write;
  }

  async deliver(points: readonly Point[], signal: AbortSignal): Promise<DeliveryOutcome> {
    if (signal.aborted) return "deferred";
    await this.#write(encoder.encode(points.map((point) => pointLine(point) + "\n").join("")));
    return "delivered";
  }
}

async function writeStdout(bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await Deno.stdout.write(bytes.subarray(written));
}
