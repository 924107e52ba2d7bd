/**
 * A PayloadEncoder that builds bodies in a Worker, so the encoding and
 * compression of every sink run on a second core while the main thread takes
 * calls. Points read from the spool cross to it as the slices of the row
 * bodies they came from, undecoded (other points are encoded into one row
 * body first); bodies come back transferred. One worker serves every sink
 * (each sink has at most AGGREGATOR_DELIVERY_CONCURRENCY deliveries in flight,
 * each asking for at most two bodies at a time, the part it sends and the
 * next, so the jobs waiting are at most twice that per sink); it starts at the
 * first job, and one that dies is
 * replaced at the next job, the jobs it held failing (their batches stay
 * spooled and are retried).
 *
 * The worker runs with the aggregator's own permissions, which it does not
 * use, from a blob URL: no permission to read source files is needed.
 *
 * @module
 */
import type { Point } from "../../stored_point.ts";
import { encodeRow, rowSlices } from "../../spool/rows/mod.ts";
import type { Payload } from "../http/payload.ts";
import type { PayloadEncoder, PayloadSpec } from "./formats.ts";
import { WORKER_SOURCE } from "./gen/worker_source.ts";
import { type StartedWorker, startWorker } from "../../worker_start.ts";
import type { EncodeAnswer, EncodeJob } from "./worker.ts";

interface Waiting {
  resolve: (payload: Payload) => void;
  reject: (error: Error) => void;
}

export class WorkerEncoder implements PayloadEncoder {
  #started?: StartedWorker;
  #waiting = new Map<number, Waiting>();
  #lastId = 0;

  encode(spec: PayloadSpec, points: readonly Point[]): Promise<Payload> {
    const worker = this.#started?.worker ?? this.#start();
    const id = ++this.#lastId;
    const slices = rowSlices(points);
    const job: EncodeJob = {
      id,
      spec,
      rows: slices ?? [{ body: encodeRow(points), from: 0, to: points.length }],
    };
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      // Row bodies read from the spool are copied (a row may serve two batches); a fresh one moves.
      worker.postMessage(job, slices ? [] : [job.rows[0].body.buffer as ArrayBuffer]);
    });
  }

  /** Stops the worker; jobs still waiting fail. */
  close(): void {
    this.#stop(new Error("the encoding worker was closed"));
  }

  #start(): Worker {
    this.#started = startWorker(WORKER_SOURCE, "encoding");
    const { worker } = this.#started;
    worker.onmessage = ({ data }: MessageEvent<EncodeAnswer>) => {
      const waiting = this.#waiting.get(data.id);
      this.#waiting.delete(data.id);
      if ("error" in data) waiting?.reject(new Error(`encoding failed: ${data.error}`));
      else waiting?.resolve(data.payload);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.#stop(new Error(`the encoding worker failed: ${event.message}`));
    };
    return worker;
  }

  #stop(reason: Error): void {
    this.#started?.stop();
    this.#started = undefined;
    for (const waiting of this.#waiting.values()) waiting.reject(reason);
    this.#waiting.clear();
  }
}
