/**
 * The spool's writing side: its own SQLite connection (WAL lets it write
 * while the main thread's connection reads), which inserts each group of
 * calls in one transaction (`synchronous=FULL`: on disk before it answers),
 * dropping the oldest rows first when the size cap needs room, and saves the
 * sinks' cursors, deleting the rows every sink has passed. It runs in the
 * spool-writer worker (writer_worker.ts), so the main thread never waits for
 * a commit's fsync nor for the write lock; in-thread for its tests.
 *
 * Once it runs it is the spool's only writer: the size it caps is the one
 * the opener measured, kept up to date by its own inserts and deletes.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { transaction } from "./transaction.ts";

/** Bytes a row costs beyond its body (position, count, arrival, b-tree cell), for the size cap. */
export const ROW_OVERHEAD_BYTES = 40;

/** A row's size for the cap, in SQL: its body plus the overhead. */
export const ROW_BYTES = `length(body) + ${ROW_OVERHEAD_BYTES}`;

/** Connection settings of both the writer's connection and the main thread's. */
export const CONNECTION_PRAGMAS =
  "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;";

/** Stores one call's row: its last position, point count, arrival time and body. */
export const INSERT_CALL = "INSERT INTO calls (last, count, received, body) VALUES (?, ?, ?, ?)";

/** Upserts a sink's cursor, never moving it back (delivery and the cap both move it). */
export const SET_CURSOR = "INSERT INTO cursors (sink, position) VALUES (?1, ?2) " +
  "ON CONFLICT (sink) DO UPDATE SET position = max(position, ?2)";

/** Points with positions in (?1, ?2]: the part of each row that overlaps. */
export const COUNT_BETWEEN =
  "SELECT coalesce(sum(min(last, ?2) - max(last - count, ?1)), 0) AS n FROM calls " +
  "WHERE last > ?1 AND last - count < ?2";

/** Where the writer starts: the spool's state as the opener found it. */
export interface WriterStart {
  path: string;
  maxBytes: number;
  /** Stored row bodies plus ROW_OVERHEAD_BYTES per row. */
  bytes: number;
  /** Position of the last point stored (or passed by a cursor). */
  lastId: number;
}

/** One call's points as a row body of rows/row_codec.ts, and how many they are. */
export interface EncodedRow {
  count: number;
  body: Uint8Array;
}

/** What one insert did. */
export interface Inserted {
  /** Position of the last point stored. */
  last: number;
  /** Change of the stored size: the rows added less those the cap dropped. */
  bytes: number;
  /** Per sink, the points the cap dropped before it had passed them. */
  dropped: Record<string, number>;
  /** Per sink, the cursor the cap moved it to. */
  cursors: Record<string, number>;
}

export class SpoolWriter {
  #db: DatabaseSync;
  #maxBytes: number;
  #bytes: number;
  #lastId: number;
  #insert;
  #oldestRows;
  #cursors;
  #setCursor;
  #countBetween;
  #sizeUpTo;
  #deleteUpTo;
  #minCursor;

  constructor(start: WriterStart) {
    this.#maxBytes = start.maxBytes;
    this.#bytes = start.bytes;
    this.#lastId = start.lastId;
    const db = new DatabaseSync(start.path);
    this.#db = db;
    try {
      db.exec(CONNECTION_PRAGMAS);
      this.#insert = db.prepare(INSERT_CALL);
      this.#oldestRows = db.prepare(
        `SELECT last AS id, ${ROW_BYTES} AS bytes FROM calls ORDER BY last LIMIT ?`,
      );
      this.#cursors = db.prepare("SELECT sink, position FROM cursors");
      this.#setCursor = db.prepare(SET_CURSOR);
      this.#countBetween = db.prepare(COUNT_BETWEEN);
      this.#sizeUpTo = db.prepare(
        `SELECT coalesce(sum(${ROW_BYTES}), 0) AS bytes FROM calls WHERE last <= ?`,
      );
      this.#deleteUpTo = db.prepare("DELETE FROM calls WHERE last <= ?");
      this.#minCursor = db.prepare(
        "SELECT coalesce(min(position), 0) AS position FROM cursors",
      );
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * Moves `sink`'s cursor to `position` (never back) and deletes the rows
   * every sink has passed; answers the bytes they took.
   */
  advance(sink: string, position: number): number {
    let freed = 0;
    transaction(this.#db, () => {
      this.#setCursor.run(sink, position);
      const { position: lowest } = this.#minCursor.get() as { position: number };
      freed = this.#deleteRowsUpTo(lowest);
    });
    this.#bytes -= freed;
    return freed;
  }

  /**
   * Stores `rows` (none empty, together within the cap) in one transaction,
   * arrived at `received`; answers once it is committed.
   */
  insert(rows: readonly EncodedRow[], received: number): Inserted {
    const incoming = rows.reduce((sum, row) => sum + row.body.length + ROW_OVERHEAD_BYTES, 0);
    const inserted: Inserted = { last: this.#lastId, bytes: incoming, dropped: {}, cursors: {} };
    transaction(this.#db, () => {
      inserted.bytes -= this.#makeRoom(incoming, inserted);
      for (const row of rows) {
        inserted.last += row.count;
        this.#insert.run(inserted.last, row.count, received, row.body);
      }
    });
    this.#bytes += inserted.bytes;
    this.#lastId = inserted.last;
    return inserted;
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  /** Deletes the oldest rows until `incoming` more bytes fit under the cap; answers the bytes freed. */
  #makeRoom(incoming: number, inserted: Inserted): number {
    const excess = this.#bytes + incoming - this.#maxBytes;
    if (excess <= 0) return 0;
    let freed = 0;
    let upTo = 0;
    let dropped = 0;
    while (freed < excess) {
      const rows = this.#oldestRows.all(1000) as unknown as { id: number; bytes: number }[];
      const before = freed;
      for (const row of rows.filter((row) => row.id > upTo)) {
        freed += row.bytes;
        upTo = row.id;
        if (freed >= excess) break;
      }
      if (freed === before) break;
      if (freed < excess) dropped += this.#dropUpTo(upTo, inserted);
    }
    return dropped + this.#dropUpTo(upTo, inserted);
  }

  /** Moves every cursor to at least `position`, counting what each lost; answers the bytes deleted. */
  #dropUpTo(position: number, inserted: Inserted): number {
    const cursors = this.#cursors.all() as unknown as { sink: string; position: number }[];
    for (const { sink, position: cursor } of cursors) {
      if (cursor >= position) continue;
      const { n } = this.#countBetween.get(cursor, position) as { n: number };
      if (n > 0) inserted.dropped[sink] = (inserted.dropped[sink] ?? 0) + n;
      this.#setCursor.run(sink, position);
      inserted.cursors[sink] = position;
    }
    return this.#deleteRowsUpTo(position);
  }

  /** Deletes the rows up to `position`; answers the bytes they took. */
  #deleteRowsUpTo(position: number): number {
    const { bytes } = this.#sizeUpTo.get(position) as { bytes: number };
    if (bytes > 0) this.#deleteUpTo.run(position);
    return bytes;
  }
}
