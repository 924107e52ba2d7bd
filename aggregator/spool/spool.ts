/**
 * The durable spool between acceptance and delivery: an append-only SQLite
 * table (node:sqlite, WAL) with one row per accepted call, its points in the
 * compact body of rows/row_codec.ts (tables and format: schema.ts), and one cursor
 * per sink, a point position. Every sink reads from its own cursor, so a slow
 * sink never stalls the others; a row is deleted once every configured sink is
 * past its last point. A size cap drops the oldest rows and counts, per sink,
 * the points it had not yet passed. Writes from concurrent callers are grouped
 * into one transaction (see GroupCommit), and a caller's promise resolves only
 * after that transaction committed.
 *
 * Once the spool is open, every write — the inserts, the cap's drops, the
 * cursors' saves and the deletes that follow — is committed by the
 * spool-writer worker (writer.ts, started at the first write), on its own
 * connection, so the main thread reads and takes calls while a commit waits
 * for the disk, and never waits for the write lock; the next group gathers
 * meanwhile. This connection keeps the opening (lock, schema, migration) and
 * the reads. The cursors here move at once: what a sink passed is not read
 * again, and counts as gone, before the writer deleted it.
 *
 * `synchronous=FULL`: a commit is on disk before it is acknowledged, which
 * survives power loss as well as a killed process.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { Point } from "../stored_point.ts";
import type { DeliveryCounters } from "../counters.ts";
import { GroupCommit } from "./group_commit.ts";
import { SpoolFull, SpoolUnavailable } from "./refusal.ts";
import { lockSpool, type SpoolLock, SpoolLocked } from "./lock.ts";
import { encodeRow, RowBody, RowPoint } from "./rows/mod.ts";
import { openSchema } from "./schema.ts";
import { transaction } from "./transaction.ts";
import {
  CONNECTION_PRAGMAS,
  COUNT_BETWEEN,
  type EncodedRow,
  type Inserted,
  ROW_BYTES,
  ROW_OVERHEAD_BYTES,
  SET_CURSOR,
} from "./writer.ts";
import { WriterClient } from "./writer_client.ts";
import { permissionRefusal } from "../../shared/permissions/mod.ts";

export { type EncodedRow, ROW_OVERHEAD_BYTES };
/** The counter decision under which the size cap's drops are counted, per sink. */
export const OVERFLOW_DECISION = "spool_overflow";

export interface SpoolOptions {
  /** Directory holding `spool.sqlite`; created when missing. */
  directory: string;
  /** Size cap: stored row bodies plus ROW_OVERHEAD_BYTES per row. */
  maxBytes: number;
  /** Names of the configured sinks; cursors of sinks no longer configured are forgotten. */
  sinks: readonly string[];
  counters: DeliveryCounters;
  /** Wall clock in milliseconds (tests pass their own). */
  now?: () => number;
}

/** A point read back from the spool (decoded when looked at), with its position and arrival time. */
export interface SpooledPoint {
  /** Its position: points are numbered from 1 in the order they were accepted. */
  id: number;
  /** When the aggregator accepted it, Unix milliseconds. */
  receivedMs: number;
  point: Point;
}

export interface SpoolState {
  /** Points currently stored. */
  depth: number;
  /** Age of the oldest stored point in milliseconds, 0 when empty. */
  oldestAgeMs: number;
  bytes: number;
  writable: boolean;
}

interface Statements {
  readRows: StatementSync;
  oldest: StatementSync;
  countBetween: StatementSync;
  depth: StatementSync;
}

/** Rows fetched at a time while reading a batch. */
const READ_ROWS = 16;

export class Spool {
  #options: SpoolOptions;
  #now: () => number;
  #db?: DatabaseSync;
  #lock?: SpoolLock;
  #statements?: Statements;
  /** The spool-writer worker, once something was appended since the database opened. */
  #writer?: WriterClient;
  #bytes = 0;
  /** Position of the last point stored. */
  #lastId = 0;
  #cursors = new Map<string, number>();
  /** Why the last attempt to open or write failed; undefined once one succeeded. */
  #unavailable?: SpoolUnavailable;
  /** Each item is the points of one call, stored as one row. */
  #commits: GroupCommit<EncodedRow>;
  #listeners = new Set<() => void>();
  #migratedPoints?: number;

  constructor(options: SpoolOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#commits = new GroupCommit((calls) => this.#insert(calls));
  }

  get path(): string {
    return `${this.#options.directory}/spool.sqlite`;
  }

  /** Opens the database unless it is open; throws SpoolUnavailable when it cannot. */
  open(): void {
    if (this.#db) return;
    try {
      this.#openDatabase();
    } catch (cause) {
      this.#closeDatabase();
      throw this.#unavailable = cause instanceof SpoolLocked ? cause : new SpoolUnavailable(
        `cannot open ${this.path}: ${messageOf(cause)}`,
        { cause },
      );
    }
    this.#unavailable = undefined;
  }

  /**
   * Whether the last attempt to open or write the spool succeeded. Reading it
   * writes nothing: an unavailable spool is tried again by the next append.
   */
  get writable(): boolean {
    return this.#unavailable === undefined;
  }

  /**
   * Stores points durably. Resolves once they are committed; rejects with
   * SpoolUnavailable when the spool cannot be written and SpoolFull when the
   * points alone exceed the size cap.
   */
  append(points: readonly Point[]): Promise<void> {
    return this.appendRow({ count: points.length, body: encodeRow(points) });
  }

  /** Like {@link append}, for points already encoded as one row body (rows/row_codec.ts). */
  appendRow(row: EncodedRow): Promise<void> {
    return this.#commits.submit([row]);
  }

  /** Points moved from a format-1 spool when it was opened, if it was one. */
  get migratedPoints(): number | undefined {
    return this.#migratedPoints;
  }

  /** Called after every commit that added points. */
  onAppend(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The position after which `sink` has not yet delivered. */
  cursor(sink: string): number {
    return this.#cursors.get(sink) ?? 0;
  }

  /**
   * How many points `sink` has not yet passed (an upper bound when the cap
   * dropped some); with `after`, only those after that position.
   */
  pending(sink: string, after = 0): number {
    return this.#lastId - Math.max(after, this.cursor(sink));
  }

  /**
   * Arrival time of the oldest point `sink` has not passed (with `after`: of
   * those after that position), or undefined when there is none.
   */
  oldestPendingMs(sink: string, after = 0): number | undefined {
    if (!this.#statements || this.pending(sink, after) <= 0) return undefined;
    const from = Math.max(after, this.cursor(sink));
    const row = this.#statements.oldest.get(from) as { received: number } | undefined;
    return row?.received;
  }

  /**
   * Up to `limit` points after `sink`'s cursor (or after `after`, when that is
   * further: a sink with batches in flight reads past them), oldest first.
   */
  read(sink: string, limit: number, after = 0): SpooledPoint[] {
    const statements = this.#statements;
    if (!statements) return [];
    const cursor = Math.max(after, this.cursor(sink));
    const points: SpooledPoint[] = [];
    for (let after = cursor; points.length < limit;) {
      const rows = statements.readRows.all(after, READ_ROWS) as unknown as Row[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const first = row.last - row.count + 1;
        const body = new RowBody(row.body);
        for (let index = Math.max(0, cursor + 1 - first); index < row.count; index++) {
          if (points.length === limit) break;
          points.push({
            id: first + index,
            receivedMs: row.received,
            point: new RowPoint(body, index),
          });
        }
        after = row.last;
      }
    }
    return points;
  }

  /**
   * Moves `sink`'s cursor to `position`; the writer saves it and deletes what
   * every sink has passed. A save that fails makes the spool unavailable until
   * a write succeeds (a restart redelivers from the last saved cursor).
   */
  advance(sink: string, position: number): void {
    if (!this.#statements || position <= this.cursor(sink)) return;
    this.#cursors.set(sink, position);
    const writer = this.#startedWriter();
    writer.advance(sink, position).then(
      (freed) => this.#bytes -= freed,
      (cause) => this.#writeFailed(writer, cause),
    );
  }

  /** Points each sink has yet to deliver (empty when the database is closed). */
  backlog(): Record<string, number> {
    const statements = this.#statements;
    if (!statements) return {};
    const backlog: Record<string, number> = {};
    for (const [sink, cursor] of this.#cursors) {
      backlog[sink] = (statements.countBetween.get(cursor, this.#lastId) as { n: number }).n;
    }
    return backlog;
  }

  state(): SpoolState {
    const statements = this.#statements;
    // Rows every sink has passed count as gone, deleted or not yet.
    const passed = this.#cursors.size ? Math.min(...this.#cursors.values()) : 0;
    const oldest = statements?.oldest.get(passed) as { received: number } | undefined;
    const depth = statements ? (statements.depth.get(passed) as { depth: number }).depth : 0;
    return {
      depth,
      oldestAgeMs: oldest ? Math.max(0, this.#now() - oldest.received) : 0,
      bytes: this.#bytes,
      writable: this.writable,
    };
  }

  /** Waits for pending commits, stops the writer, then closes the database. */
  async close(): Promise<void> {
    await this.#commits.idle();
    await this.#writer?.close();
    this.#closeDatabase();
  }

  #closeDatabase(): void {
    void this.#writer?.close();
    this.#writer = undefined;
    const db = this.#db as DatabaseSync | undefined;
    this.#db = undefined;
    this.#statements = undefined;
    if (db?.isOpen) db.close();
    this.#lock?.release();
    this.#lock = undefined;
  }

  #openDatabase(): void {
    mkdirSync(this.#options.directory, { recursive: true });
    this.#lock = lockSpool(`${this.#options.directory}/spool.lock`);
    const db = new DatabaseSync(this.path);
    this.#db = db;
    db.exec(CONNECTION_PRAGMAS);
    this.#migratedPoints = openSchema(db).migratedPoints;
    const statements: Statements = {
      readRows: db.prepare(
        "SELECT last, count, received, body FROM calls WHERE last > ? ORDER BY last LIMIT ?",
      ),
      oldest: db.prepare("SELECT received FROM calls WHERE last > ? ORDER BY last LIMIT 1"),
      countBetween: db.prepare(COUNT_BETWEEN),
      depth: db.prepare("SELECT coalesce(sum(count), 0) AS depth FROM calls WHERE last > ?"),
    };
    this.#statements = statements;
    this.#loadCursors(db);
    const size = db.prepare(`SELECT coalesce(sum(${ROW_BYTES}), 0) AS bytes FROM calls`).get();
    this.#bytes = (size as { bytes: number }).bytes;
  }

  /**
   * Reads the cursors, adds missing sinks (they start at the oldest stored
   * point), drops unknown ones. The last position is the highest of the last
   * stored point and the cursors: rows are deleted only once the cursors are
   * past them, so positions are never given out twice.
   */
  #loadCursors(db: DatabaseSync): void {
    const sinks = this.#options.sinks;
    const rows = db.prepare("SELECT sink, position FROM cursors").all() as unknown as {
      sink: string;
      position: number;
    }[];
    const stored = new Map(rows.map((row) => [row.sink, row.position]));
    const last = db.prepare("SELECT coalesce(max(last), 0) AS last FROM calls").get() as {
      last: number;
    };
    this.#lastId = Math.max(last.last, ...stored.values());
    const first = db.prepare("SELECT min(last - count) AS position FROM calls").get() as {
      position: number | null;
    };
    const setCursor = db.prepare(SET_CURSOR);
    transaction(db, () => {
      for (const sink of stored.keys()) {
        if (!sinks.includes(sink)) db.prepare("DELETE FROM cursors WHERE sink = ?").run(sink);
      }
      for (const sink of sinks) {
        const position = stored.get(sink) ?? first.position ?? this.#lastId;
        setCursor.run(sink, position);
        this.#cursors.set(sink, position);
      }
    });
  }

  /**
   * One transaction for a group of concurrent appends, a row per call,
   * committed by the writer; a writer that failed is replaced at the next group.
   */
  async #insert(calls: readonly EncodedRow[]): Promise<void> {
    this.open();
    const rows = calls.filter((row) => row.count > 0);
    const incoming = rows.reduce((sum, row) => sum + row.body.length + ROW_OVERHEAD_BYTES, 0);
    if (incoming > this.#options.maxBytes) throw new SpoolFull(incoming, this.#options.maxBytes);
    if (rows.length === 0) return;
    const writer = this.#startedWriter();
    let inserted: Inserted;
    try {
      inserted = await writer.insert(rows, this.#now());
    } catch (cause) {
      throw this.#writeFailed(writer, cause);
    }
    this.#unavailable = undefined;
    this.#bytes += inserted.bytes;
    this.#lastId = Math.max(this.#lastId, inserted.last);
    for (const [sink, position] of Object.entries(inserted.cursors)) {
      if (position > this.cursor(sink)) this.#cursors.set(sink, position);
    }
    for (const [sink, n] of Object.entries(inserted.dropped)) {
      this.#options.counters.count(sink, OVERFLOW_DECISION, n);
    }
    for (const listener of this.#listeners) listener();
  }

  /** The writer, started with the spool's state as this connection knows it. */
  #startedWriter(): WriterClient {
    return this.#writer ??= new WriterClient({
      path: this.path,
      maxBytes: this.#options.maxBytes,
      bytes: this.#bytes,
      lastId: this.#lastId,
    });
  }

  /**
   * Marks the spool unavailable after `writer` failed to write. When the
   * worker itself failed, whether its last commit happened is not known here:
   * the database is closed, and the next append opens it again from what is
   * on disk.
   */
  #writeFailed(writer: WriterClient, cause: unknown): SpoolUnavailable {
    if (writer.failure && this.#writer === writer) this.#closeDatabase();
    return this.#unavailable = new SpoolUnavailable(
      `cannot write ${this.path}: ${messageOf(cause)}`,
      { cause },
    );
  }
}

interface Row {
  last: number;
  count: number;
  received: number;
  body: Uint8Array;
}

function messageOf(error: unknown): string {
  const refusal = permissionRefusal(error, "AGGREGATOR_SPOOL_PATH");
  if (refusal) return refusal;
  return error instanceof Error ? error.message : String(error);
}
