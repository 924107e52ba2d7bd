/**
 * A group of rows as it crosses to the spool writer: their bodies copied one
 * after the other into a single buffer (one transfer, one allocation to
 * collect) and, per row, its point count and body length.
 *
 * @module
 */
import type { EncodedRow } from "./writer.ts";

export interface RowGroup {
  counts: number[];
  lengths: number[];
  bodies: ArrayBuffer;
}

/** The group of `rows`, their bodies copied. */
export function rowGroup(rows: readonly EncodedRow[]): RowGroup {
  const bodies = new Uint8Array(rows.reduce((sum, row) => sum + row.body.length, 0));
  let offset = 0;
  for (const row of rows) {
    bodies.set(row.body, offset);
    offset += row.body.length;
  }
  return {
    counts: rows.map((row) => row.count),
    lengths: rows.map((row) => row.body.length),
    bodies: bodies.buffer,
  };
}

/** The rows of `group`, their bodies views of its buffer. */
export function groupRows(group: RowGroup): EncodedRow[] {
  let offset = 0;
  return group.counts.map((count, index) => {
    const body = new Uint8Array(group.bodies, offset, group.lengths[index]);
    offset += body.length;
    return { count, body };
  });
}
