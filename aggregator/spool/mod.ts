/**
 * The durable spool between acceptance and delivery, and the ways it refuses
 * points (full, unavailable, held by another aggregator).
 *
 * @module
 */
export { type EncodedRow, Spool, type SpooledPoint, type SpoolState } from "./spool.ts";
export { RowWriter } from "./row_codec.ts";
export { RowBody, RowPoint } from "./row_point.ts";
export { SpoolFull, SpoolUnavailable } from "./refusal.ts";
export { SpoolLocked } from "./lock.ts";
