/**
 * The encoding worker's entry: it receives a job — a payload spec and the
 * points as slices of row bodies of the spool's codec (compact, and decoded
 * here, not on the main thread) — builds the body with the sinks' own encoders and sends it back,
 * its buffer transferred. It has no state; an encoder that throws answers
 * the job with the error's message.
 *
 * It runs from a bundle of itself (gen/worker_source.ts, made by bundle.ts)
 * loaded from a blob URL, so the aggregator needs no permission to read its
 * own source files: a worker loaded from a file would.
 *
 * @module
 */
import { type RowSlice, slicedPoints } from "../../spool/rows/mod.ts";
import { encodePayload, type PayloadSpec } from "./formats.ts";
import type { Payload } from "../http/payload.ts";

/** What the encoder sends the worker. */
export interface EncodeJob {
  id: number;
  spec: PayloadSpec;
  /** The points, as slices of row bodies of the spool's codec. */
  rows: RowSlice[];
}

/** What the worker answers. */
export type EncodeAnswer = { id: number; payload: Payload } | { id: number; error: string };

/** The worker's global scope, as far as this module uses it. */
interface WorkerScope {
  onmessage: ((event: MessageEvent<EncodeJob>) => void) | null;
  postMessage(message: EncodeAnswer, transfer: Transferable[]): void;
}

const scope = globalThis as unknown as WorkerScope;

scope.onmessage = ({ data: job }) => {
  let payload: Payload;
  try {
    payload = encodePayload(job.spec, slicedPoints(job.rows));
  } catch (error) {
    scope.postMessage({ id: job.id, error: String(error) }, []);
    return;
  }
  // node:zlib may hand out views into a shared pool: send a buffer of its own.
  const { body } = payload;
  const own = body.byteLength === body.buffer.byteLength ? body : body.slice();
  scope.postMessage({ id: job.id, payload: { ...payload, body: own } }, [own.buffer]);
};
