/**
 * The spool's tables and their format, marked by `PRAGMA user_version`.
 *
 * Format 2 (this one): `calls` holds one row per accepted call — its points
 * as one body of rows/row_codec.ts, how many there are (`count`) and the position
 * of its last point (`last`). Positions number the points from 1 in the
 * order they were accepted; a call's points hold `last - count + 1 … last`.
 * `cursors` holds, per sink, the position up to which it has delivered.
 *
 * Format 1 (user_version 0, before the format was marked): one row of JSON
 * per point in `points`, its id the position. A format-1 spool is migrated in
 * one transaction on first open — each run of points with consecutive ids
 * and the same arrival time (one call's points) becomes a row, the ids stay
 * the positions, so every cursor keeps its meaning — and nothing is lost: if
 * the migration fails, the transaction leaves format 1 as it was.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { Point } from "../stored_point.ts";
import { encodeRow } from "./rows/mod.ts";
import { transaction } from "./transaction.ts";
import { INSERT_CALL } from "./writer.ts";

export const FORMAT = 2;

const TABLES = `
  CREATE TABLE calls (
    last INTEGER PRIMARY KEY,
    count INTEGER NOT NULL,
    received INTEGER NOT NULL,
    body BLOB NOT NULL
  );
  CREATE TABLE IF NOT EXISTS cursors (sink TEXT PRIMARY KEY, position INTEGER NOT NULL);
`;

/** Points read from format 1 at a time, and the most one migrated row holds. */
const MIGRATION_PAGE = 1000;

/** What opening found. */
export interface SchemaOpened {
  /** Points moved from a format-1 spool, when there was one. */
  migratedPoints?: number;
}

/** Creates the tables, or migrates an older format; throws on a format newer than this one. */
export function openSchema(db: DatabaseSync): SchemaOpened {
  const { user_version: version } = db.prepare("PRAGMA user_version").get() as {
    user_version: number;
  };
  if (version === FORMAT) return {};
  if (version > FORMAT) {
    throw new Error(
      `the spool is in format ${version}, written by a newer aggregator; this one reads format ` +
        `${FORMAT} and older`,
    );
  }
  let migratedPoints: number | undefined;
  transaction(db, () => {
    db.exec(TABLES);
    if (hasTable(db, "points")) migratedPoints = migrateFormat1(db);
    db.exec(`PRAGMA user_version = ${FORMAT}`);
  });
  return migratedPoints === undefined ? {} : { migratedPoints };
}

interface Format1Row {
  id: number;
  time: number;
  received: number;
  tags: string;
  metrics: string;
}

/** Moves format 1's points into calls, call by call, and drops its table. */
function migrateFormat1(db: DatabaseSync): number {
  const page = db.prepare(
    "SELECT id, time, received, tags, metrics FROM points WHERE id > ? ORDER BY id LIMIT ?",
  );
  const insert = db.prepare(INSERT_CALL);
  let group: Point[] = [];
  let groupLast = 0;
  let groupReceived = 0;
  const flush = () => {
    if (group.length > 0) insert.run(groupLast, group.length, groupReceived, encodeRow(group));
    group = [];
  };
  let moved = 0;
  for (let after = 0;;) {
    const rows = page.all(after, MIGRATION_PAGE) as unknown as Format1Row[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const sameCall = row.id === groupLast + 1 && row.received === groupReceived &&
        group.length < MIGRATION_PAGE;
      if (!sameCall) flush();
      group.push({ time: row.time, tags: JSON.parse(row.tags), metrics: JSON.parse(row.metrics) });
      groupLast = row.id;
      groupReceived = row.received;
      after = row.id;
    }
    moved += rows.length;
  }
  flush();
  db.exec("DROP TABLE points");
  return moved;
}

function hasTable(db: DatabaseSync, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !==
    undefined;
}
