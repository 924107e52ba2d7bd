/**
 * The durable spool between acceptance and delivery, and the ways it refuses
 * points (full, unavailable, held by another aggregator).
 *
 * @module
 */
export { type EncodedRow, Spool, type SpooledPoint, type SpoolState } from "./spool.ts";
export { RowBody, RowPoint, RowWriter } from "./rows/mod.ts";
export { SpoolFull, SpoolUnavailable } from "./refusal.ts";
export { SpoolLocked } from "./lock.ts";
