/**
 * The spool-writer worker's entry: it opens a SpoolWriter (writer.ts) on the
 * first message and serves the main thread's messages in their order —
 * inserts, answered once committed, bytes the main thread freed, and close.
 * A writer that cannot open answers every insert with that error.
 *
 * It runs from a bundle of itself (gen/writer_source.ts, made by bundle.ts)
 * loaded from a blob URL, so the aggregator needs no permission to read its
 * own source files: a worker loaded from a file would.
 *
 * @module
 */
import { type EncodedRow, type Inserted, SpoolWriter, type WriterStart } from "./writer.ts";

/** What the main thread sends the writer. */
export type WriterMessage =
  | { kind: "open"; start: WriterStart }
  | { kind: "insert"; id: number; received: number; rows: EncodedRow[] }
  | { kind: "freed"; bytes: number }
  | { kind: "close"; id: number };

/** What the writer answers, to an insert or to close. */
export type WriterAnswer =
  | { id: number; inserted: Inserted }
  | { id: number; error: string }
  | { id: number; closed: true };

/** The worker's global scope, as far as this module uses it. */
interface WorkerScope {
  onmessage: ((event: MessageEvent<WriterMessage>) => void) | null;
  postMessage(message: WriterAnswer): void;
  close(): void;
}

const scope = globalThis as unknown as WorkerScope;
let writer: SpoolWriter | undefined;
let unopened = "the spool writer was not opened";

scope.onmessage = ({ data: message }) => {
  switch (message.kind) {
    case "open":
      try {
        writer = new SpoolWriter(message.start);
      } catch (error) {
        unopened = `cannot open the spool for writing: ${messageOf(error)}`;
      }
      return;
    case "freed":
      writer?.freed(message.bytes);
      return;
    case "insert":
      if (!writer) return scope.postMessage({ id: message.id, error: unopened });
      try {
        scope.postMessage({
          id: message.id,
          inserted: writer.insert(message.rows, message.received),
        });
      } catch (error) {
        scope.postMessage({ id: message.id, error: messageOf(error) });
      }
      return;
    case "close":
      writer?.close();
      writer = undefined;
      scope.postMessage({ id: message.id, closed: true });
  }
};

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
