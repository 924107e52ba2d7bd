/**
 * The spool's row format on its own: how one call's points are written into a
 * row body and read back. The spool stores these bodies; the encoding worker
 * reads them, and takes this folder alone so that its bundle carries no
 * SQLite and no spool.
 *
 * @module
 */
export { decodeRow, encodeRow, RowWriter } from "./row_codec.ts";
export { RowBody, RowPoint, type RowSlice, rowSlices, slicedPoints } from "./row_point.ts";
