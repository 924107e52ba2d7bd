/**
 * The main thread's side of the spool-writer worker (writer_worker.ts): it
 * starts the worker from its bundle, posts each group of calls with their
 * row bodies (copied into one buffer, transferred there and back), and settles the group when the worker answers
 * that the rows are committed; cursor saves go the same way. The worker serves
 * messages in their order, so a group's rows come after every earlier group's,
 * and a cap's drops after every cursor saved before.
 *
 * A worker that fails refuses every insert it had not answered, with an
 * error saying so, and takes nothing more: the spool starts another one.
 * The worker runs with the aggregator's own permissions, from a blob URL
 * (../worker_start.ts): no permission to read source files is needed.
 *
 * @module
 */
import { WRITER_SOURCE } from "./gen/writer_source.ts";
import { type StartedWorker, startWorker } from "../worker_start.ts";
import type { EncodedRow, Inserted, WriterStart } from "./writer.ts";
import { rowGroup } from "./row_group.ts";
import type { WriterAnswer, WriterMessage } from "./writer_worker.ts";

interface Waiting {
  resolve: (answer: WriterAnswer) => void;
  reject: (error: Error) => void;
}

export class WriterClient {
  #started?: StartedWorker;
  #waiting = new Map<number, Waiting>();
  #lastId = 0;
  #failure?: Error;

  /** `source` is the worker's module text: the bundle, unless a test gives its own. */
  constructor(start: WriterStart, source = WRITER_SOURCE) {
    this.#started = startWorker(source, "spool-writer");
    const { worker } = this.#started;
    worker.onmessage = ({ data }: MessageEvent<WriterAnswer>) => {
      const waiting = this.#waiting.get(data.id);
      this.#waiting.delete(data.id);
      waiting?.resolve(data);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.#stop(new Error(`the spool writer failed: ${event.message}`));
    };
    const open: WriterMessage = { kind: "open", start };
    worker.postMessage(open);
  }

  /** Why the worker stopped taking work, once it failed or closed. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Stores `rows` in one transaction; resolves once it is committed. */
  async insert(rows: readonly EncodedRow[], received: number): Promise<Inserted> {
    const id = ++this.#lastId;
    // Copied into one buffer and that transferred: callers still read their bodies once stored
    // (the status page).
    const group = rowGroup(rows);
    const answer = await this.#ask(id, { kind: "insert", id, received, group }, [group.bodies]);
    if ("error" in answer) throw new Error(answer.error);
    if (!("inserted" in answer)) throw new Error("the spool writer answered an insert oddly");
    return answer.inserted;
  }

  /**
   * Saves `sink`'s cursor at `position` and deletes the rows every sink has
   * passed; resolves with the bytes they took, once committed.
   */
  async advance(sink: string, position: number): Promise<number> {
    const id = ++this.#lastId;
    const answer = await this.#ask(id, { kind: "advance", id, sink, position });
    if ("error" in answer) throw new Error(answer.error);
    if (!("freed" in answer)) throw new Error("the spool writer answered a cursor save oddly");
    return answer.freed;
  }

  /** Waits for the inserts posted, closes the writer's connection and stops the worker. */
  async close(): Promise<void> {
    if (!this.#failure) {
      const id = ++this.#lastId;
      await this.#ask(id, { kind: "close", id }).catch(() => {});
    }
    this.#stop(new Error("the spool writer was closed"));
  }

  #ask(id: number, message: WriterMessage, transfer: Transferable[] = []): Promise<WriterAnswer> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#started!.worker.postMessage(message, transfer);
    });
  }

  #stop(reason: Error): void {
    this.#failure ??= reason;
    this.#started?.stop();
    this.#started = undefined;
    for (const waiting of this.#waiting.values()) waiting.reject(reason);
    this.#waiting.clear();
  }
}
