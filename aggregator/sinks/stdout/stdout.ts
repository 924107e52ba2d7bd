/**
 * The stdout sink (`AGGREGATOR_TEXT_CONFIGURATION`): one JSON line per point,
 * `{"time":"<RFC 3339>","unix_time":<seconds>,"tags":{…},"metrics":{…}}`,
 * written in one piece per batch. A write that fails (closed pipe) defers the
 * batch so it stays in the spool.
 */
import type { Point } from "../../stored_point.ts";
import type { DeliveryOutcome, Sink } from "../sink.ts";

export type Write = (bytes: Uint8Array) => Promise<void>;

const encoder = new TextEncoder();

export function pointLine(point: Point): string {
  return JSON.stringify({
    time: new Date(point.time * 1000).toISOString().replace(".000Z", "Z"),
    unix_time: point.time,
    tags: point.tags,
    metrics: point.metrics,
  });
}

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
