/**
 * One write transaction on a spool connection, shared by the schema, the
 * main thread's cursor saves and the spool writer.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";

/** Runs `body` in one write transaction, rolled back when it throws. */
export function transaction(db: DatabaseSync, body: () => void): void {
  db.exec("BEGIN IMMEDIATE");
  try {
    body();
    db.exec("COMMIT");
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}
