/**
 * cgroup v1 blkio tables (`blkio.io_service_bytes_recursive`,
 * `blkio.throttle.io_serviced`, ...): `MAJ:MIN Op value` lines, Op one of
 * Read/Write/Sync/Async/Discard/Total, closed by a `Total value` line.
 *
 * @module
 */

import { FormatError } from "./format_error.ts";
import { parseUint64, quote } from "./number.ts";
import type { Transfer } from "./transfer.ts";

const OPERATIONS = new Set(["Read", "Write", "Sync", "Async", "Discard", "Total"]);
const DEVICE = /^\d+:\d+$/;

export interface BlkioTable extends Transfer {
  /** Devices listed; 0 when the table is empty or holds only `Total 0`. */
  devices: number;
}

/** A table exactly as the kernel prints it: each device's rows, then the `Total` line. */
const KERNEL_TABLE = /^(?:\d+:\d+ (?:Read|Write|Sync|Async|Discard|Total) \d+\n)*Total \d+\n$/;

/**
 * Sums the Read and Write rows over all devices. An empty file is an empty
 * table. Only the values summed are parsed, and a table in the kernel's exact
 * form is checked with one expression and its Read and Write rows found in
 * the text itself: it has six rows per device and is read every poll.
 */
export function parseBlkioTable(text: string): BlkioTable {
  if (KERNEL_TABLE.test(text)) {
    const read = sumRows(text, " Read ");
    return { read: read.sum, write: sumRows(text, " Write ").sum, devices: read.rows };
  }
  const table: BlkioTable = { read: 0n, write: 0n, devices: 0 };
  let device = "";
  for (const line of text.split("\n")) {
    const fields = line.indexOf("\t") < 0 && line.trim().length === line.length
      ? line.split(" ")
      : line.trim().split(/\s+/);
    if (fields[0] === "") continue;
    if (fields.length === 2 && fields[0] === "Total") {
      parseUint64(fields[1]);
      continue;
    }
    if (fields.length !== 3 || !OPERATIONS.has(fields[1]) || !DEVICE.test(fields[0])) {
      throw new FormatError(`line ${quote(line)} is not "MAJ:MIN Operation value"`);
    }
    if (fields[0] !== device) {
      device = fields[0];
      table.devices++;
    }
    if (fields[1] === "Read") table.read += parseUint64(fields[2]);
    else if (fields[1] === "Write") table.write += parseUint64(fields[2]);
  }
  return table;
}

/** The sum of the values on the rows with `operation` (text in the kernel's form), and their count. */
function sumRows(text: string, operation: string): { sum: bigint; rows: number } {
  let sum = 0n;
  let rows = 0;
  for (let at = text.indexOf(operation); at >= 0; at = text.indexOf(operation, at + 1)) {
    const start = at + operation.length;
    sum += parseUint64(text.slice(start, text.indexOf("\n", start)));
    rows++;
  }
  return { sum, rows };
}
