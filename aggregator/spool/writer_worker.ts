/**
 * The spool-writer worker's entry: it opens a SpoolWriter (writer.ts) on the
 * first message and serves the main thread's messages in their order —
 * inserts and cursor saves, each answered once committed, and close.
 * A writer that cannot open answers every insert with that error.
 *
 * It runs from a bundle of itself (gen/writer_source.ts, made by bundle.ts)
 * loaded from a blob URL, so the aggregator needs no permission to read its
 * own source files: a worker loaded from a file would.
 *
 * @module
 */
import { type Inserted, SpoolWriter, type WriterStart } from "./writer.ts";
import { groupRows, type RowGroup } from "./row_group.ts";

/** What the main thread sends the writer. */
export type WriterMessage =
  | { kind: "open"; start: WriterStart }
  | { kind: "insert"; id: number; received: number; group: RowGroup }
  | { kind: "advance"; id: number; sink: string; position: number }
  | { kind: "close"; id: number };

/** What the writer answers, to an insert, a cursor save or close. */
export type WriterAnswer =
  | { id: number; inserted: Inserted; bodies: ArrayBuffer }
  | { id: number; freed: number }
  | { id: number; error: string }
  | { id: number; closed: true };

/** The worker's global scope, as far as this module uses it. */
interface WorkerScope {
  onmessage: ((event: MessageEvent<WriterMessage>) => void) | null;
  postMessage(message: WriterAnswer, transfer?: Transferable[]): void;
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
    case "advance":
      return answer(message.id, (writer) => ({
        id: message.id,
        freed: writer.advance(message.sink, message.position),
      }));
    case "insert":
      return answer(message.id, (writer) => ({
        id: message.id,
        inserted: writer.insert(groupRows(message.group), message.received),
        bodies: message.group.bodies,
      }));
    case "close":
      writer?.close();
      writer = undefined;
      scope.postMessage({ id: message.id, closed: true });
  }
};

/** Answers message `id` with what `work` gives, or with why it failed. */
function answer(id: number, work: (writer: SpoolWriter) => WriterAnswer): void {
  if (!writer) return scope.postMessage({ id, error: unopened });
  let result: WriterAnswer;
  try {
    result = work(writer);
  } catch (error) {
    result = { id, error: messageOf(error) };
  }
  // A group's buffer goes back, to be collected by the main thread's frequent collections: this
  // isolate allocates little, and would hold many such buffers before it collected them.
  scope.postMessage(result, "bodies" in result ? [result.bodies] : []);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
